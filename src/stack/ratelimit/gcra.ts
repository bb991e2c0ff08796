import type { Quota } from './quota.js';
import type { AlgorithmStep, LimiterState, RateLimitAlgorithm } from './rate-limit-algorithm.js';

/**
 * Generic Cell Rate Algorithm, virtual-scheduling form (ATM Forum Traffic Management 4.0,
 * as redis-cell implements it). State: the theoretical arrival time (TAT), one number.
 *   T = window / limit (emission interval), τ = burst × T (tolerance)
 *   tat = max(TAT, now); newTat = tat + cost × T; allowAt = newTat − τ
 *   admit iff now ≥ allowAt; then TAT := newTat
 * remaining = floor((τ − (newTat − now)) / T), reset = newTat − now, retry = allowAt − now.
 */
export const gcra: RateLimitAlgorithm = {
  name: 'gcra',
  step(state: LimiterState | undefined, quota: Quota, now: number, cost: number): AlgorithmStep {
    const t = quota.windowMs / quota.limit;
    const tau = quota.burst * t;
    const tat = Math.max(state?.[0] ?? now, now);
    const newTat = tat + cost * t;
    const allowAt = newTat - tau;
    if (now < allowAt) {
      return {
        decision: {
          allowed: false,
          limit: quota.limit,
          remaining: Math.max(0, Math.floor((tau - (tat - now)) / t + 1e-9)),
          resetMs: tat - now,
          retryAfterMs: allowAt - now,
        },
        next: [tat],
        ttlMs: Math.max(1, Math.ceil(tat - now)),
      };
    }
    return {
      decision: {
        allowed: true,
        limit: quota.limit,
        remaining: Math.max(0, Math.floor((tau - (newTat - now)) / t + 1e-9)),
        resetMs: newTat - now,
        retryAfterMs: 0,
      },
      next: [newTat],
      ttlMs: Math.max(1, Math.ceil(newTat - now)),
    };
  },
  lua: `
local function step(raw, now, limit, window, burst, cost)
  local t = window / limit
  local tau = burst * t
  local tat = tonumber(raw) or now
  if tat < now then tat = now end
  local new_tat = tat + cost * t
  local allow_at = new_tat - tau
  if now < allow_at then
    local rem = math.floor((tau - (tat - now)) / t + 1e-9)
    if rem < 0 then rem = 0 end
    return 0, rem, tat - now, allow_at - now, 0, tat
  end
  local rem = math.floor((tau - (new_tat - now)) / t + 1e-9)
  if rem < 0 then rem = 0 end
  local ttl = math.ceil(new_tat - now)
  if ttl < 1 then ttl = 1 end
  return 1, rem, new_tat - now, 0, ttl, new_tat
end
-- A Lua number given to redis.call is written with 17 significant digits: the TAT round-trips exactly.
local function encode(tat) return tat end
`,
};
