import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * Cross-cutting traces of the resilience policies, after undici's `lib/core/diagnostics.js`.
 * Each message carries the policy instance plus the same payload as its typed event, so a tracer
 * can subscribe to every breaker in the process without holding references to them. Publishing
 * costs one `hasSubscribers` check when nobody listens.
 */
export const policyChannels = {
  /** `{ policy: CircuitBreakerPolicy, from, to }` */
  breakerStateChange: diagnosticsChannel.channel('faultline:breaker:state-change'),
  /** `{ policy: RetryPolicy, attempt, delayMs, outcome }` */
  retry: diagnosticsChannel.channel('faultline:retry:retry'),
  /** `{ policy: RetryPolicy, reason, attempts, outcome }` */
  retryGiveUp: diagnosticsChannel.channel('faultline:retry:give-up'),
  /** `{ policy: TimeoutPolicy | AdaptiveTimeout, error: TimeoutError }` */
  timeout: diagnosticsChannel.channel('faultline:timeout:timeout'),
  /** `{ policy: HedgePolicy, attempt, delayMs }` */
  hedge: diagnosticsChannel.channel('faultline:hedge:hedge'),
  /** `{ limiter: ConcurrencyLimiter, reason, inFlight, queued }` */
  shed: diagnosticsChannel.channel('faultline:concurrency:shed'),
  /** `{ limit: AdaptiveConcurrencyLimit, from, to, gradient, minRttMs, sampleRttMs }` */
  limitChange: diagnosticsChannel.channel('faultline:concurrency:limit-change'),
} as const;
