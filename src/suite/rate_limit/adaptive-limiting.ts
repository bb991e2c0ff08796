import { request } from 'undici';
import { createFault } from '../../chaos/faults/index.js';
import { delay } from '../../common/async.js';
import type { Scenario } from '../../runner/scenario.js';
import type { GatewayConfigInput } from '../../stack/gateway/gateway-config.js';
import type { RateLimitConfigInput } from '../../stack/ratelimit/rate-limit-config.js';
import type { StackControl } from '../control.js';
import { HarnessError } from '../harness/harness-errors.js';
import { expectAllWithin } from '../harness/hypothesis-miss.js';
import { recordMetrics, roundRate } from '../harness/judge.js';
import {
  defaultGatewayConfig,
  type StackInstance,
  withClusterOverrides,
} from '../harness/reference-stack.js';
import type { LoggedRequest } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';

/** The gateway-wide limit (req/s) and its burst: what the limit is at full health. */
const LIMIT = 60;
const BURST = 10;
/** Normal traffic offered, req/s: 1.5 × the limit, so the limit (not the clients) sets the load. */
const NORMAL_RATE = 90;
/** Critical traffic (`x-priority: critical`), req/s: inside the reserved share even at a low factor. */
const CRITICAL_RATE = 3;
/** Share of the limit only critical traffic may use. */
const RESERVED_SHARE = 0.3;
/** Each instance serves at most this many requests at once (MAX_IN_FLIGHT); one more is shed with 503. */
const INSTANCE_CAPACITY = 16;
/**
 * The fault: this latency on the link from the instances to their dependency. Every request then
 * holds a slot ≥ 1 s, so two instances serve at most 2 × 16 / 1 = 32 req/s (about half the limit).
 * Healthy, a request holds its slot a few ms: 16 slots ride out a stall of ~500 ms at 30 req/s each.
 */
const DEPENDENCY_LATENCY_MS = 1000;
const STEADY_MS = 4000;
const FAULT_MS = 12_000;
const RECOVER_MS = 15_000;
/** The first part of the fault is left out of its error rate: one AIMD window to notice, one to act. */
const SETTLE_MS = 2000;
/** The hypothesis: the upstream's error rate (5xx / requests it received) after SETTLE_MS. */
const TARGET_ERROR_RATE = 0.05;
/** The limit has dropped: the admitted rate in the fault is at most this share of the steady one. */
const DROPPED_SHARE = 0.75;
/** The limit has recovered: the admitted rate in the last RECOVERED_WINDOW_MS is at least this share. */
const RECOVERED_SHARE = 0.85;
const RECOVERED_WINDOW_MS = 2000;
/** Critical requests refused by the limiter (429), at most this share of those sent. */
const CRITICAL_REFUSED_MAX = 0.05;

/**
 * AIMD as configured: windows of 1 s, halve above 5 % errors, + 5 % of the limit per healthy window,
 * never below 25 % of it (15 req/s, under the degraded capacity; its reserved share, 4.5 req/s,
 * still holds the critical traffic).
 */
const ADAPTIVE = {
  targetErrorRate: TARGET_ERROR_RATE,
  intervalMs: 1000,
  minSamples: 10,
  decrease: 0.5,
  increase: 0.05,
  minFactor: 0.25,
} as const;

function rateLimitOf(config: GatewayConfigInput): RateLimitConfigInput {
  if (!config.rateLimit) throw new HarnessError('adaptive_rate_limiting: the gateway has no rateLimit');
  return config.rateLimit;
}

/** A control's gateway rewrite of the gateway-wide `rateLimit`. */
function changeRateLimit(fn: (limit: RateLimitConfigInput) => RateLimitConfigInput): StackControl['stack'] {
  return { gateway: (config) => ({ ...config, rateLimit: fn(rateLimitOf(config)) }) };
}

/** Requests an instance received for `/dependency` and the 5xx it answered, from its own `/admin/stats`. */
async function upstreamCounts(instance: StackInstance): Promise<{ requests: number; errors: number }> {
  const res = await request(`${instance.directUrl}/admin/stats`, { signal: AbortSignal.timeout(3000) });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new HarnessError(`${instance.name} answered ${res.statusCode} to /admin/stats`);
  }
  const stats = (await res.body.json()) as {
    by_path?: Record<string, number>;
    by_status?: Record<string, number>;
  };
  let errors = 0;
  for (const [status, n] of Object.entries(stats.by_status ?? {})) if (Number(status) >= 500) errors += n;
  return { requests: stats.by_path?.['/dependency'] ?? 0, errors };
}

async function fleetCounts(
  instances: readonly StackInstance[],
): Promise<{ requests: number; errors: number }> {
  const all = await Promise.all(instances.map(upstreamCounts));
  return all.reduce((a, b) => ({ requests: a.requests + b.requests, errors: a.errors + b.errors }));
}

/** Answers per second that got past the limiter (anything but a 429 or no answer) among `entries`. */
function admittedPerSecond(entries: readonly LoggedRequest[], spanMs: number): number {
  const admitted = entries.filter((e) => e.status !== null && e.status !== 429).length;
  return (admitted * 1000) / spanMs;
}

/**
 * Adaptive rate limiting. A gateway-wide limit of 60 req/s (AIMD on upstream errors, a 30 % share
 * reserved for `x-priority: critical`) in front of two instances that each serve at most 16 requests
 * at once and shed the rest with 503. Clients offer 90 req/s of normal and 3 req/s of critical
 * traffic to `/dependency`. Fault: 1 s of latency on the instances' link to their dependency
 * (fault proxy), which halves what they can serve. Judged from the clients and from the instances'
 * own counters: the admitted rate drops, the upstream's error rate after 2 s stays under 5 %, the
 * admitted rate climbs back once the latency is gone, and critical traffic is (nearly) never refused.
 */
export const adaptiveLimiting: Scenario = {
  id: 'rate_limit.adaptive-limiting',
  category: 'rate_limit',
  name: 'adaptive_rate_limiting',
  title: 'Adaptive rate limiting: the upstream degrades, the limit drops, then recovers',
  description:
    `A gateway-wide limit of ${LIMIT} req/s (burst ${BURST}; AIMD: halve above ${TARGET_ERROR_RATE * 100} % upstream ` +
    `errors per 1 s window, + ${ADAPTIVE.increase * 100} % per healthy one, floor ${ADAPTIVE.minFactor * 100} %; ${RESERVED_SHARE * 100} % reserved for ` +
    `x-priority: critical) in front of two instances serving at most ${INSTANCE_CAPACITY} requests at once each ` +
    `(MAX_IN_FLIGHT; the rest shed with 503). ${NORMAL_RATE} req/s normal + ${CRITICAL_RATE} req/s critical traffic ` +
    `to /dependency; fault: ${DEPENDENCY_LATENCY_MS} ms latency on the instances' dependency link for ` +
    `${FAULT_MS / 1000} s (capacity ≈ 32 req/s). Hypothesis, from the clients and the instances' own counters: the ` +
    `admitted rate drops to ≤ ${DROPPED_SHARE * 100} % of the steady one; the instances' error rate after the first ` +
    `${SETTLE_MS / 1000} s of the fault is ≤ ${TARGET_ERROR_RATE * 100} %; in the last ${RECOVERED_WINDOW_MS / 1000} s of ` +
    `${RECOVER_MS / 1000} s after the fault the admitted rate is back to ≥ ${RECOVERED_SHARE * 100} % of the steady ` +
    `one; ≤ ${CRITICAL_REFUSED_MAX * 100} % of critical requests are refused (429).`,
  needs: ['free-ports'],
  timeoutMs: 90_000,
  tags: ['gateway', 'rate-limit', 'adaptive', 'priority'],
  controls: [
    {
      name: 'adaptive_off',
      claim: `the limit drops and the upstream's error rate stays ≤ ${TARGET_ERROR_RATE * 100} % while it is degraded`,
      change: 'rateLimit.adaptive removed (the limit stays at 60 req/s)',
      stack: changeRateLimit(({ adaptive: _off, ...rest }) => rest),
    },
    {
      name: 'increase_off',
      claim: `the limit climbs back once the upstream heals (admitted ≥ ${RECOVERED_SHARE * 100} % of the steady rate)`,
      change: 'rateLimit.adaptive.increase 0.001 (no additive increase to speak of)',
      stack: changeRateLimit((l) => ({ ...l, adaptive: { ...ADAPTIVE, increase: 0.001 } })),
    },
    {
      name: 'priority_off',
      claim: `critical traffic keeps its reserved share (≤ ${CRITICAL_REFUSED_MAX * 100} % of it refused)`,
      change: 'rateLimit.priority removed (critical requests compete with the rest)',
      stack: changeRateLimit(({ priority: _off, ...rest }) => rest),
    },
  ] satisfies StackControl[],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 2,
        external: true,
        serviceEnv: { MAX_IN_FLIGHT: String(INSTANCE_CAPACITY) },
        gateway: (hosts) => ({
          ...withClusterOverrides(defaultGatewayConfig(hosts), {
            // Every answer of the instances reaches the client as it is: no retry doubles the load on
            // an overloaded instance, no ejection takes one out for shedding.
            retry: { maxRetries: 0 },
            // A degraded answer takes ~1 s; a stall of the shared machine on top must not turn it into a 504.
            timeouts: { connectMs: 500, perTryMs: 4000, overallMs: 5000 },
            health: {
              active: { path: '/healthz', intervalMs: 200, timeoutMs: 500, rise: 2, fall: 2 },
              outlier: false,
            },
          }),
          rateLimit: {
            name: 'adaptive',
            limit: LIMIT,
            windowMs: 1000,
            burst: BURST,
            key: 'global',
            adaptive: ADAPTIVE,
            priority: { reservedShare: RESERVED_SHARE },
          },
        }),
      },
      (stack) => {
        const external = stack.external;
        if (!external) throw new HarnessError('adaptive_rate_limiting needs the external stub');
        const load = scenarioLoad(ctx, stack.gatewayUrl, {
          rate: NORMAL_RATE + CRITICAL_RATE,
          durationMs: STEADY_MS + FAULT_MS + RECOVER_MS + 2000,
          requestTimeoutMs: 8000,
          requests: [
            { name: 'normal', path: '/dependency', weight: NORMAL_RATE },
            {
              name: 'critical',
              path: '/dependency',
              headers: { 'x-priority': 'critical' },
              weight: CRITICAL_RATE,
            },
          ],
        });
        const slow = new TimedFault(
          createFault(
            {
              kind: 'toxic',
              name: 'dependency-latency',
              proxy: external.proxy,
              toxic: {
                type: 'latency',
                stream: 'downstream',
                attributes: { latency: DEPENDENCY_LATENCY_MS },
              },
            },
            stack.faultDeps,
          ),
        );
        const effectiveLimits: number[] = [];
        let upstream = { requests: 0, errors: 0, firstRequests: 0, firstErrors: 0 };
        let loadStart = 0;
        return {
          title: adaptiveLimiting.title,
          category: 'rate_limit',
          load: (opts) => {
            loadStart = opts.origin ?? performance.now();
            return load.factory(opts);
          },
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction(
              `${DEPENDENCY_LATENCY_MS} ms latency on the dependency link`,
              slow,
              FAULT_MS,
            ),
            {
              type: 'action',
              name: "count the instances' answers while the upstream is degraded",
              run: async ({ setMetric, signal }) => {
                const started = await steps.awaitInjection(slow, ctx);
                const atStart = await fleetCounts(stack.instances);
                // Extra detail: the gateway's effective limit, sampled (Faultline's admin API; not judged).
                const sampler = setInterval(() => {
                  stack
                    .upstreams()
                    .then((s) => {
                      if (s.rateLimit) effectiveLimits.push(s.rateLimit.effectiveLimit);
                    })
                    .catch(() => {});
                }, 250);
                try {
                  await delay(started + SETTLE_MS - performance.now(), signal);
                  const atSettle = await fleetCounts(stack.instances);
                  await delay(started + FAULT_MS - 200 - performance.now(), signal);
                  const atEnd = await fleetCounts(stack.instances);
                  upstream = {
                    requests: atEnd.requests - atSettle.requests,
                    errors: atEnd.errors - atSettle.errors,
                    firstRequests: atSettle.requests - atStart.requests,
                    firstErrors: atSettle.errors - atStart.errors,
                  };
                } finally {
                  clearInterval(sampler);
                }
                return recordMetrics(setMetric, {
                  upstream_requests_fault: upstream.requests,
                  upstream_errors_fault: upstream.errors,
                  upstream_error_rate_first_2s: roundRate(
                    upstream.firstErrors / Math.max(1, upstream.firstRequests),
                  ),
                });
              },
            },
            steps.waitForRevertAction(slow, ctx, {
              name: 'wait for the latency to go',
              timeoutMs: FAULT_MS + 5000,
              intervalMs: 20,
            }),
            steps.recoveryPause(RECOVER_MS),
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: async ({ setMetric }) => {
                const from = slow.injectStartedAt as number;
                const to = slow.revertedAt as number;
                const steadyFrom = loadStart + 1000;
                const steadyAdmitted = admittedPerSecond(load.between(steadyFrom, from), from - steadyFrom);
                const faultAdmitted = admittedPerSecond(
                  load.between(from + SETTLE_MS, to),
                  to - from - SETTLE_MS,
                );
                const recoveredFrom = to + RECOVER_MS - RECOVERED_WINDOW_MS;
                const recoveredAdmitted = admittedPerSecond(
                  load.between(recoveredFrom, to + RECOVER_MS),
                  RECOVERED_WINDOW_MS,
                );
                const faultAnswers = load
                  .between(from + SETTLE_MS, to)
                  .filter((e) => e.status !== 429 && e.status !== null);
                const clientErrors = faultAnswers.filter((e) => (e.status as number) >= 500).length;
                const critical = load.byRoute('critical').filter((e) => e.sentAt < to + RECOVER_MS);
                const criticalRefused = critical.filter((e) => e.status === 429).length;
                const normal = load.byRoute('normal').filter((e) => e.sentAt < to + RECOVER_MS);
                const upstreamErrorRate = upstream.errors / Math.max(1, upstream.requests);
                const m = recordMetrics(setMetric, {
                  admitted_rps_steady: Math.round(steadyAdmitted * 10) / 10,
                  admitted_rps_fault: Math.round(faultAdmitted * 10) / 10,
                  admitted_rps_recovered: Math.round(recoveredAdmitted * 10) / 10,
                  upstream_error_rate_fault: roundRate(upstreamErrorRate),
                  client_5xx_rate_fault: roundRate(clientErrors / Math.max(1, faultAnswers.length)),
                  critical_sent: critical.length,
                  critical_refused_share: roundRate(criticalRefused / Math.max(1, critical.length)),
                  normal_refused_share: roundRate(
                    normal.filter((e) => e.status === 429).length / Math.max(1, normal.length),
                  ),
                  no_answer: load.log.filter((e) => e.status === null).length,
                  // 5xx before the fault: the steady state must be one (anything here is the machine's).
                  errors_5xx_steady: load
                    .between(loadStart, from)
                    .filter((e) => e.status === null || e.status >= 500).length,
                  // Extra detail from Faultline's admin API (not judged).
                  ...(effectiveLimits.length > 0
                    ? {
                        gateway_effective_limit_min: Math.min(...effectiveLimits),
                        gateway_effective_limit_max: Math.max(...effectiveLimits),
                      }
                    : {}),
                });
                // Every claim is judged and every miss named: a control fails for its own claim.
                expectAllWithin([
                  [
                    'requests the instances received after the first 2 s of the fault',
                    upstream.requests,
                    [50, Number.POSITIVE_INFINITY],
                  ],
                  [
                    "the instances' error rate (5xx they answered / requests) after the first 2 s of the fault",
                    upstreamErrorRate,
                    [0, TARGET_ERROR_RATE],
                  ],
                  ['admitted req/s during the fault', faultAdmitted, [0, steadyAdmitted * DROPPED_SHARE]],
                  [
                    `admitted req/s in the last ${RECOVERED_WINDOW_MS / 1000} s of the recovery`,
                    recoveredAdmitted,
                    [steadyAdmitted * RECOVERED_SHARE, Number.POSITIVE_INFINITY],
                  ],
                  [
                    'share of critical requests refused (429)',
                    criticalRefused / Math.max(1, critical.length),
                    [0, CRITICAL_REFUSED_MAX],
                  ],
                ]);
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
