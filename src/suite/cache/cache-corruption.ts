import { createFault } from '../../chaos/faults/index.js';
import type { RedisCorruptFault } from '../../chaos/faults/redis-corrupt.js';
import type { Scenario } from '../../runner/scenario.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { recordMetrics } from '../harness/judge.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';
import { type CacheControl, cacheConfigFor } from './cache-controls.js';
import { fetchAll } from './cache-stack.js';
import { genuineBody } from './content-origin.js';
import {
  describeWrong,
  hitRate,
  runCacheExperiment,
  scenarioCacheConfig,
  wrongAnswers,
} from './run-cache-experiment.js';

const PAGES = 40;
const HOLD_MS = 3000;
const paths = Array.from({ length: PAGES }, (_, i) => `/page/${i}`);

/**
 * Its negative control. "The next pass hits the cache again" is a guard: no setting stops a
 * refetched page from being stored again.
 */
const controls: readonly CacheControl[] = [
  {
    name: 'integrity_check_off',
    claim: 'no corrupted entry is served; each is counted and refetched from the origin',
    change: 'integrity.verify false (entries read from Redis are not checked)',
    stack: { cache: (c) => ({ ...c, integrity: { ...c.integrity, verify: false } }) },
    misses: ['corrupted answers served', 'entries refused by validation', 'pages refetched from the origin'],
  },
];

/**
 * Cache entries are corrupted in Redis (truncated: the meta survives, the body is cut, the kind
 * of damage a parser alone does not see). Hypothesis: no corrupted entry is served, every
 * corrupted entry is counted and refetched from the origin, and the hit rate is back to ≥ 95 %
 * on the next pass. The tier is Redis only (`memory: false`) so every hit reads Redis.
 */
export const cacheCorruption: Scenario = {
  id: 'cache.corruption',
  category: 'cache',
  name: 'corruption',
  title: 'Cache corruption: corrupted entries are never served; origin fallback; hit rate recovers',
  description:
    `${PAGES} pages are cached in Redis through the gateway, then every entry is truncated in Redis ` +
    '(redis.corrupt). Hypothesis: every answer afterwards is the genuine page, each corrupted entry is ' +
    'counted and refetched from the origin, and the next pass hits the cache again (≥ 95 %).',
  needs: ['redis', 'free-ports'],
  timeoutMs: 60_000,
  tags: ['cache', 'integrity'],
  controls,
  run: (ctx) =>
    runCacheExperiment(
      ctx,
      {
        cache: (redis) =>
          cacheConfigFor(ctx, controls, scenarioCacheConfig(ctx, redis, {}, { memory: false })),
      },
      (stack) => {
        const corrupt = new TimedFault(
          createFault(
            {
              kind: 'redis.corrupt',
              name: 'truncate cache entries',
              url: stack.redis.url,
              ...(stack.redis.db === undefined ? {} : { db: stack.redis.db }),
              pattern: `${stack.redis.keyPrefix}*`,
              owned: { db: stack.redis.db, prefix: stack.redis.keyPrefix },
              mode: 'truncate',
              keep_ratio: 0.9,
            },
            stack.faultDeps,
          ),
        );
        return {
          title: cacheCorruption.title,
          category: 'cache',
          method: [
            {
              type: 'action',
              name: 'warm the cache',
              run: async ({ setMetric }) => {
                const first = await fetchAll(stack, paths);
                const second = await fetchAll(stack, paths);
                const wrong = wrongAnswers([...first, ...second], (p) => genuineBody(p));
                expectWithin('wrong answers while warming', wrong.length, [0, 0], '', () =>
                  describeWrong(wrong),
                );
                const rate = expectWithin('hit rate once warm', hitRate(second), [0.95, 1]);
                return recordMetrics(setMetric, { warm_hit_rate: rate });
              },
            },
            steps.backgroundFaultAction('truncate every cache entry in Redis', corrupt, HOLD_MS),
            {
              type: 'action',
              name: 'serve from a corrupted tier',
              run: async ({ setMetric }) => {
                await steps.awaitInjection(corrupt, ctx);
                const corrupted = (corrupt.inner as RedisCorruptFault).keys.length;
                const before = await stack.cacheState();
                const during = await fetchAll(stack, paths);
                const after1 = await stack.cacheState();
                ctx.setPhase('recover');
                const recovered = await fetchAll(stack, paths);
                const after2 = await stack.cacheState();
                const wrong = wrongAnswers([...during, ...recovered], (p) => genuineBody(p));
                const m = recordMetrics(setMetric, {
                  corrupted_entries: corrupted,
                  wrong_answers: wrong.length,
                  integrity_failures:
                    (after1.stats.integrityFailures ?? 0) - (before.stats.integrityFailures ?? 0),
                  origin_refetches: (after1.stats.misses ?? 0) - (before.stats.misses ?? 0),
                  hit_rate_during: Math.round(hitRate(during) * 1000) / 1000,
                  hit_rate_after: Math.round(hitRate(recovered) * 1000) / 1000,
                  integrity_failures_after:
                    (after2.stats.integrityFailures ?? 0) - (after1.stats.integrityFailures ?? 0),
                });
                expectWithin('corrupted entries', corrupted, [PAGES, PAGES]);
                expectWithin('corrupted answers served', m.wrong_answers, [0, 0], '', () =>
                  describeWrong(wrong),
                );
                expectWithin('entries refused by validation', m.integrity_failures, [
                  corrupted,
                  corrupted * 2,
                ]);
                expectWithin('pages refetched from the origin', m.origin_refetches, [
                  corrupted,
                  corrupted * 2,
                ]);
                expectWithin('hit rate on the next pass', m.hit_rate_after, [0.95, 1]);
                return m;
              },
            },
            steps.waitForRevertAction(corrupt, ctx, {
              name: 'fault reverted',
              timeoutMs: HOLD_MS + 10_000,
              intervalMs: 50,
            }),
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
