import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SafetyController } from '../chaos/safety/safety-controller.js';
import { SeededRandom } from '../common/rng.js';
import type { Target } from '../targets/target.js';
import { DEFAULT_TARGET } from '../targets/targets.js';
import type { ScenarioControl } from './control.js';
import type { PortAllocator } from './port-allocator.js';
import type { Phase, Scenario, ScenarioContext, ScenarioEnv } from './scenario.js';
import { paramDefaults } from './scenario-params.js';

export interface ScenarioContextOptions {
  scenario: Scenario;
  /** The run's id, part of every Redis key prefix (e.g. `r1a2b3c`). */
  runId: string;
  runSeed: number;
  env: ScenarioEnv;
  logger: Logger;
  /** Aborts the scenario (time limit, run timeout, Ctrl+C). */
  signal: AbortSignal;
  timeLimitMs: number;
  safety: SafetyController;
  ports: PortAllocator;
  onPhase?: (phase: Phase) => void;
  /** Run this negative control of the scenario instead of the scenario itself. */
  control?: ScenarioControl;
  /** The scenario's effective parameter values (defaults + overrides); its defaults when absent. */
  params?: Readonly<Record<string, number>>;
  /** The system under test. @default Faultline's gateway */
  target?: Target;
}

export interface IsolatedContext {
  context: ScenarioContext;
  /** What the target could not express of the scenario's config (`noteUnsupported`), deduplicated. */
  readonly unsupported: readonly string[];
  /** Runs the scenario's cleanups (last first), deletes its Redis keys and its temp dir. Never throws. */
  cleanup(): Promise<void>;
}

/** The Redis database number in a redis:// URL's path (`/15`), 0 when absent. */
export function redisDbOf(redisUrl: string): number {
  try {
    const db = Number(new URL(redisUrl).pathname.slice(1) || 0);
    return Number.isInteger(db) && db >= 0 ? db : 0;
  } catch {
    return 0;
  }
}

/**
 * Builds the isolated world of one scenario: its own seed stream, temp dir, Redis key prefix
 * and ports. With isolation disabled (--no-isolation) the prefix is empty and keys are left
 * alone; the temp dir is still private, as it costs nothing.
 */
export async function createScenarioContext(options: ScenarioContextOptions): Promise<IsolatedContext> {
  const { scenario, env, logger } = options;
  const rng = new SeededRandom(options.runSeed).fork(scenario.id);
  const tmpDir = await mkdtemp(join(tmpdir(), `faultline-${scenario.id.replace(/[^\w.-]/g, '_')}-`));
  const prefix = env.isolated ? `faultline:${options.runId}:${scenario.id}:` : '';
  const cleanups: Array<() => unknown> = [];
  const unsupported = new Set<string>();
  const scenarioLogger = logger.child({ component: 'scenario', scenario: scenario.id });

  const context: ScenarioContext = {
    scenarioId: scenario.id,
    seed: rng.seed,
    rng,
    signal: options.signal,
    logger: scenarioLogger,
    env,
    redis: { url: env.redisUrl, db: redisDbOf(env.redisUrl), prefix },
    tmpDir,
    timeLimitMs: options.timeLimitMs,
    deadline: Date.now() + options.timeLimitMs,
    safety: options.safety,
    freePort: () => options.ports.next(),
    setPhase: (phase) => {
      scenarioLogger.debug({ phase }, 'phase');
      options.onPhase?.(phase);
    },
    onCleanup: (fn) => {
      cleanups.push(fn);
    },
    ...(options.control ? { control: options.control } : {}),
    ...(scenario.params || options.params
      ? { params: { ...paramDefaults(scenario.params), ...options.params } }
      : {}),
    target: options.target ?? DEFAULT_TARGET,
    noteUnsupported: (settings) => {
      for (const s of settings) unsupported.add(s);
    },
  };

  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        scenarioLogger.warn({ err }, 'cleanup step failed');
      }
    }
    if (prefix && scenario.needs.includes('redis')) {
      await deleteRedisKeys(env.redisUrl, prefix).catch((err: unknown) =>
        scenarioLogger.warn({ err, prefix }, 'could not delete the scenario’s Redis keys'),
      );
    }
    await rm(tmpDir, { recursive: true, force: true }).catch(() => {});
  };

  return {
    context,
    get unsupported() {
      return [...unsupported];
    },
    cleanup,
  };
}

/** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS or FLUSHDB). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => {});
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
