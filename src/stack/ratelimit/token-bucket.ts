import type { Quota } from './quota.js';
import type { AlgorithmStep, LimiterState, RateLimitAlgorithm } from './rate-limit-algorithm.js';

/**
 * Token bucket, as Envoy's local rate limit filter (max_tokens = burst, refilled at
 * limit / window), except that tokens refill continuously instead of in fill_interval steps,
 * so a Redis-backed bucket needs no timer. State: [tokens, last refill time ms].
 *   tokens = min(burst, tokens + (now − last) × rate); admit iff tokens ≥ cost, then tokens −= cost
 * remaining = floor(tokens), reset = (burst − tokens) / rate, retry = (cost − tokens) / rate.
 */
export const tokenBucket: RateLimitAlgorithm = {
  name: 'token_bucket',
  step(state: LimiterState | undefined, quota: Quota, now: number, cost: number): AlgorithmStep {
    const rate = quota.limit / quota.windowMs;
    const [stored, last] = state ?? [quota.burst, now];
    const elapsed = Math.max(0, now - (last ?? now));
    const tokens = Math.min(quota.burst, (stored ?? quota.burst) + elapsed * rate);
    const allowed = tokens + 1e-9 >= cost;
    const left = allowed ? Math.max(0, tokens - cost) : tokens;
    const resetMs = (quota.burst - left) / rate;
    return {
      decision: {
        allowed,
        limit: quota.limit,
        remaining: Math.max(0, Math.floor(left + 1e-9)),
        resetMs,
        retryAfterMs: allowed ? 0 : (cost - tokens) / rate,
      },
      next: [left, now],
      ttlMs: Math.max(1, Math.ceil(resetMs)),
    };
  },
  lua: `
local function step(raw, now, limit, window, burst, cost)
  local rate = limit / window
  local tokens = burst
  local last = now
  if raw then
    local sep = string.find(raw, ':', 1, true)
    tokens = tonumber(string.sub(raw, 1, sep - 1))
    last = tonumber(string.sub(raw, sep + 1))
  end
  local elapsed = now - last
  if elapsed < 0 then elapsed = 0 end
  tokens = math.min(burst, tokens + elapsed * rate)
  local allowed = 0
  local left = tokens
  local retry = (cost - tokens) / rate
  if tokens + 1e-9 >= cost then
    allowed = 1
    left = tokens - cost
    if left < 0 then left = 0 end
    retry = 0
  end
  local reset = (burst - left) / rate
  local rem = math.floor(left + 1e-9)
  if rem < 0 then rem = 0 end
  return allowed, rem, reset, retry, math.max(1, math.ceil(reset)), left, now
end
local function encode(tokens, last) return string.format('%.17g:%.17g', tokens, last) end
`,
};
