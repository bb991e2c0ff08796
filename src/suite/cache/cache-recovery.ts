import { Redis } from 'ioredis';
import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { recordMetrics } from '../harness/judge.js';
import { pollUntil } from '../harness/poll-until.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';
import { type CacheControl, cacheConfigFor, changeTierMonitor } from './cache-controls.js';
import { type CacheStack, fetchAll } from './cache-stack.js';
import { genuineBody } from './content-origin.js';
import {
  describeWrong,
  runCacheExperiment,
  scenarioCacheConfig,
  wrongAnswers,
} from './run-cache-experiment.js';

const PAGES = 20;
const DOWN_MS = 4000;
/** Pings every 100 ms, 3 failures take the tier out, out for 500 ms, then 2 good pings re-admit it. */
const BYPASS_WITHIN_MS = 3000;
const READMIT_WITHIN_MS = 5000;
const paths = Array.from({ length: PAGES }, (_, i) => `/page/r${i}`);
/**
 * Pages first asked for after re-admission. Each is a miss whose fill is written to every tier
 * before it is answered, so counting them in Redis right after proves the tier takes writes
 * again. (The warmed pages cannot: requests at the end of the outage may already have refreshed
 * them into memory alone, and a fresh memory hit writes nothing.)
 */
const newPaths = Array.from({ length: PAGES }, (_, i) => `/page/n${i}`);

async function tierState(stack: CacheStack): Promise<string> {
  const s = await stack.cacheState();
  return s.tiers.find((t) => t.name === 'redis')?.state ?? 'missing';
}

async function countKeys(url: string, prefix: string, containing = ''): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      n += keys.filter((k) => k.includes(containing)).length;
    } while (cursor !== '0');
    return n;
  } finally {
    redis.disconnect();
  }
}

/** One per claim; each must make the scenario fail. */
const controls: readonly CacheControl[] = [
  {
    name: 'stale_if_error_off',
    claim: 'every page is served stale with zero errors while Redis and the origin are down',
    change: 'staleIfError false',
    stack: { cache: (c) => ({ ...c, staleIfError: false }) },
    misses: ['errors during the outage'],
  },
  {
    name: 'tier_bypass_off',
    claim: 'the monitor bypasses the dead tier',
    change: 'tier breaker threshold 1,000,000 consecutive failures (the dead tier is never taken out)',
    stack: changeTierMonitor((m) => ({
      ...m,
      breaker: { ...m.breaker, strategy: { type: 'consecutive', threshold: 1_000_000 } },
    })),
    misses: ['dead tier is bypassed', 'requests during the outage'],
  },
  {
    name: 'readmission_off',
    claim: 'the monitor re-admits the tier within 5 s of its return',
    change: 'tier breaker halfOpenAfter 60 s (no probe of the returned tier in time)',
    stack: changeTierMonitor((m) => ({ ...m, breaker: { ...m.breaker, halfOpenAfter: 60_000 } })),
    misses: ['the tier is re-admitted'],
  },
];

/**
 * The shared Redis tier and the origin go down together. Hypothesis: every page already cached
 * is still served (stale, per `stale-if-error`, from the memory tier), with zero errors; the
 * monitor takes the dead tier out; when both come back it re-admits the tier within 5 s and new
 * entries land in Redis again. `overrides` exist for the negative control:
 * `{ staleIfError: false }` must fail.
 */
export const cacheRecovery: Scenario = {
  id: 'cache.recovery',
  category: 'cache',
  name: 'cache_recovery',
  title: 'Cache recovery: stale served while Redis and the origin are down; the tier is re-admitted',
  description:
    `${PAGES} pages (max-age=2, stale-if-error=600) are cached in memory and in a redis-server of the scenario's ` +
    `own; then that Redis and the origin are killed for ${DOWN_MS / 1000} s. Hypothesis: every page is served ` +
    'stale with zero errors, the monitor bypasses the dead tier, and re-admits it within 5 s of its return, ' +
    'after which pages first asked for then are written to Redis.',
  needs: ['redis-server', 'free-ports'],
  timeoutMs: 90_000,
  tags: ['cache', 'stale-if-error', 'health'],
  controls,
  run: (ctx) =>
    runCacheExperiment(
      ctx,
      {
        ownRedis: true,
        cacheControl: 'max-age=2, stale-if-error=600',
        cache: (redis) =>
          cacheConfigFor(
            ctx,
            controls,
            scenarioCacheConfig(ctx, redis, {
              maxReconnectDelayMs: 100,
              monitor: {
                breaker: {
                  strategy: { type: 'consecutive', threshold: 3 },
                  halfOpenAfter: 500,
                  halfOpenProbes: 2,
                },
                checkIntervalMs: 100,
              },
            }),
          ),
      },
      (stack) => {
        const outage = new TimedFault(
          createFault(
            {
              kind: 'process.kill',
              name: 'kill Redis and the origin',
              process: ['redis', 'origin'],
              revive: true,
            },
            stack.faultDeps,
          ),
        );
        const timeline: { bypassedAt?: number; readmittedAt?: number } = {};
        return {
          title: cacheRecovery.title,
          category: 'cache',
          method: [
            {
              type: 'action',
              name: 'warm both tiers',
              run: async ({ setMetric }) => {
                const answers = await fetchAll(stack, paths);
                const wrong = wrongAnswers(answers, (p) => genuineBody(p));
                expectWithin('wrong answers while warming', wrong.length, [0, 0], '', () =>
                  describeWrong(wrong),
                );
                const state = await stack.cacheState();
                const m = recordMetrics(setMetric, {
                  stored_warm: state.stats.stored ?? 0,
                  redis_entries_warm: await countKeys(stack.redis.url, stack.redis.keyPrefix),
                });
                expectWithin('entries stored while warming', m.stored_warm, [PAGES, PAGES]);
                if ((await tierState(stack)) !== 'closed')
                  throw new Error('the Redis tier is not in use after warming');
                return m;
              },
            },
            // max-age=2: every entry is stale from here on.
            { type: 'pause', name: 'let the entries go stale', duration_ms: 2500 },
            steps.backgroundFaultAction('kill Redis and the origin', outage, DOWN_MS),
            {
              type: 'action',
              name: 'serve through the outage',
              run: async ({ setMetric, signal }) => {
                const injectedAt = await steps.awaitInjection(outage, ctx);
                const answers: Awaited<ReturnType<typeof fetchAll>> = [];
                let passes = 0;
                // Bounded: passes until the fault is reverted or 50 passes.
                while (outage.revertedAt === undefined && passes < 50) {
                  signal.throwIfAborted();
                  answers.push(...(await fetchAll(stack, paths, 4)));
                  passes++;
                  if (timeline.bypassedAt === undefined && (await tierState(stack)) !== 'closed')
                    timeline.bypassedAt = performance.now();
                  await new Promise((r) => setTimeout(r, 100));
                }
                const during = answers.filter((a) => a.at < (outage.revertedAt ?? Number.POSITIVE_INFINITY));
                const wrong = wrongAnswers(during, (p) => genuineBody(p));
                const stale = during.filter((a) => a.cacheStatus.includes('stale-if-error')).length;
                const m = recordMetrics(setMetric, {
                  requests_during_outage: during.length,
                  errors_during_outage: wrong.length,
                  served_stale: stale,
                });
                // Never bypassed: no figure (a journal metric is a finite number); the check says so.
                const bypassMs =
                  timeline.bypassedAt === undefined
                    ? Number.POSITIVE_INFINITY
                    : Math.round(timeline.bypassedAt - injectedAt);
                if (Number.isFinite(bypassMs)) setMetric('time_to_bypass_ms', bypassMs);
                expectWithin('errors during the outage', m.errors_during_outage, [0, 0], '', () =>
                  describeWrong(wrong),
                );
                expectWithin('requests during the outage', m.requests_during_outage, [
                  PAGES,
                  Number.POSITIVE_INFINITY,
                ]);
                // Requests at the edges of the outage may find the origin up: at least one full pass is stale.
                expectWithin('answers served stale-if-error', stale, [PAGES, during.length]);
                expectWithin('time until the dead tier is bypassed', bypassMs, [0, BYPASS_WITHIN_MS], ' ms');
                return m;
              },
            },
            steps.waitForRevertAction(outage, ctx, {
              name: 'Redis and the origin are back',
              timeoutMs: DOWN_MS + 30_000,
              intervalMs: 50,
            }),
            {
              type: 'action',
              name: 'the tier is re-admitted',
              run: async ({ setMetric, signal }) => {
                const back = outage.revertedAt as number;
                const { value: at } = await pollUntil(
                  async () => ((await tierState(stack)) === 'closed' ? performance.now() : undefined),
                  { timeoutMs: READMIT_WITHIN_MS + 5000, intervalMs: 25, signal },
                );
                timeline.readmittedAt = at;
                const answers = await fetchAll(stack, newPaths);
                const wrong = wrongAnswers(answers, (p) => genuineBody(p));
                const keys = await countKeys(stack.redis.url, stack.redis.keyPrefix, '/page/n');
                const m = recordMetrics(setMetric, {
                  readmission_ms: Math.round(at - back),
                  errors_after: wrong.length,
                  stored_after: answers.filter((a) => a.cacheStatus.includes('stored')).length,
                  redis_entries_after: keys,
                });
                expectWithin(
                  'time from the tier’s return to re-admission',
                  m.readmission_ms,
                  [0, READMIT_WITHIN_MS],
                  ' ms',
                );
                expectWithin('errors after recovery', m.errors_after, [0, 0], '', () => describeWrong(wrong));
                expectWithin('new pages stored after recovery', m.stored_after, [PAGES, PAGES]);
                expectWithin('new entries written to the re-admitted Redis', keys, [PAGES, PAGES]);
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
