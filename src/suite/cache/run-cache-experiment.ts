import { createHash } from 'node:crypto';
import type { ExperimentInput } from '../../chaos/experiment/experiment-schema.js';
import type { Journal } from '../../chaos/experiment/journal.js';
import { runExperiment } from '../../chaos/experiment/run-experiment.js';
import type { ScenarioContext } from '../../runner/scenario.js';
import type { CacheConfigInput } from '../../stack/cache/cache-config.js';
import { safetyOf } from '../harness/run-on-stack.js';
import { type CacheStack, type CacheStackOptions, startCacheStack } from './cache-stack.js';

/** The HMAC key of a scenario's cache: derived from its seed, so a rerun replays. */
export function integrityKeyOf(ctx: ScenarioContext): string {
  return createHash('sha256').update(`faultline-cache:${ctx.seed}`).digest('hex');
}

/**
 * The cache config every cache scenario starts from: the Redis tier on `redis` with a 1 s command
 * timeout (generous: the shared machine is often loaded far past its 2 cores) and the run's
 * integrity key. `tier` adds to the tier's own settings; `rest` to the config.
 */
export function scenarioCacheConfig(
  ctx: ScenarioContext,
  redis: { url: string; db?: number; keyPrefix: string },
  tier: Omit<NonNullable<CacheConfigInput['redis']>, 'url' | 'db' | 'keyPrefix'> = {},
  rest: Omit<CacheConfigInput, 'redis' | 'integrity'> = {},
): CacheConfigInput {
  return {
    ...rest,
    redis: { ...redis, commandTimeoutMs: 1000, ...tier },
    integrity: { key: integrityKeyOf(ctx) },
  };
}

/**
 * Starts the cache stack inside the scenario's world, runs the experiment built against it
 * through the engine (the stack's processes as fault targets), and tears the stack down
 * whatever happens.
 */
export async function runCacheExperiment(
  ctx: ScenarioContext,
  options: CacheStackOptions,
  build: (stack: CacheStack) => ExperimentInput,
): Promise<Journal> {
  const safety = safetyOf(ctx);
  ctx.setPhase('setup');
  const stack = await startCacheStack(ctx, options);
  ctx.onCleanup(() => stack.close());
  try {
    const experiment = build(stack);
    ctx.setPhase('steady_state');
    return await runExperiment(experiment, {
      seed: ctx.seed,
      ...(safety ? { safety } : {}),
      signal: ctx.signal,
      logger: ctx.logger,
      faultDeps: stack.faultDeps as Record<string, unknown>,
      processes: { pidOf: (name: string) => stack.supervisor.get(name)?.pid },
    });
  } finally {
    ctx.setPhase('teardown');
    await stack.close();
  }
}

/** Answers that are not the genuine body for their path (or not 200). */
export function wrongAnswers<T extends { path: string; status: number; body: string }>(
  answers: readonly T[],
  genuine: (path: string) => string,
): T[] {
  return answers.filter((a) => a.status !== 200 || a.body !== genuine(a.path));
}

/** Share of answers the cache served without the origin (fresh or stale hits). */
export function hitRate(answers: readonly { cacheStatus: string }[]): number {
  if (answers.length === 0) return 0;
  return answers.filter((a) => /; hit\b/.test(a.cacheStatus)).length / answers.length;
}

export function describeWrong(
  wrong: readonly { path: string; status: number; body: string; cacheStatus: string }[],
): string {
  return wrong
    .slice(0, 3)
    .map((w) => `${w.path} -> ${w.status} [${w.cacheStatus}] ${w.body.slice(0, 60).replace(/\s+/g, ' ')}…`)
    .join(' | ');
}
