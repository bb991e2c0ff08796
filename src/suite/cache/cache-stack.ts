import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool, request } from 'undici';
import type { FaultDeps } from '../../chaos/faults/fault-deps.js';
import type { ManagedProcess } from '../../chaos/process/managed-process.js';
import { ProcessSupervisor } from '../../chaos/process/process-supervisor.js';
import type { ScenarioContext } from '../../runner/scenario.js';
import type { CacheConfigInput } from '../../stack/cache/cache-config.js';
import type { RouteCacheState } from '../../stack/gateway/gateway-state.js';
import { listeningLine, listeningPattern } from '../../targets/listening-line.js';
import { nodeEntry, privateListenerEnv } from '../../targets/node-entry.js';
import { HarnessError } from '../harness/harness-errors.js';
import { safetyOf } from '../harness/run-on-stack.js';
import { spawnRedisServer } from '../harness/service-instance.js';
import { Teardown } from '../harness/teardown.js';

export interface CacheStackOptions {
  /** The route's cache config; `redis` `'own'` spawns a redis-server for the tier (killable). */
  cache: (redis: { url: string; db?: number; keyPrefix: string }) => CacheConfigInput;
  /** Use a redis-server of the stack's own for the tier, instead of the scenario's Redis. */
  ownRedis?: boolean;
  /** The origin's `Cache-Control`. */
  cacheControl?: string;
}

/** One answer as a client saw it. */
export interface Fetched {
  status: number;
  body: string;
  cacheStatus: string;
  at: number;
}

export interface CacheStack {
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  /** The origin itself, bypassing the gateway. */
  readonly originUrl: string;
  /** Supervisor names: `origin`, `gateway`, and `redis` with `ownRedis`. */
  readonly supervisor: ProcessSupervisor;
  readonly faultDeps: FaultDeps;
  /** The Redis the tier uses, its database and the tier's key prefix. */
  readonly redis: { url: string; db: number | undefined; keyPrefix: string };
  /** GET through the gateway (own connection pool), body read whole. */
  get(path: string, options?: { headers?: Record<string, string>; body?: string }): Promise<Fetched>;
  /** The route's cache counters and tiers from the gateway's admin API. */
  cacheState(): Promise<RouteCacheState>;
  close(): Promise<void>;
}

/**
 * The cache scenarios' stack on real processes: the content origin, optionally a redis-server of
 * its own, and a gateway process whose one route (`/`) carries the cache. Every process is
 * registered with the scenario's safety controller and torn down on close, failure or abort.
 */
export async function startCacheStack(ctx: ScenarioContext, options: CacheStackOptions): Promise<CacheStack> {
  const teardown = new Teardown(safetyOf(ctx));
  const supervisor = new ProcessSupervisor({ logger: ctx.logger });
  teardown.add('supervisor', 'cache-stack-supervisor', () => supervisor.stopAll(1000));
  const track = (proc: ManagedProcess) =>
    teardown.add(
      'process',
      proc.name,
      () => proc.close(1000),
      () => proc.pid,
    );
  let gatewayPool: Pool | undefined;
  teardown.add('pool', 'cache-stack-client', async () => {
    await gatewayPool?.close();
  });
  const close = async () => {
    const failed = await teardown.run();
    if (failed.length > 0) ctx.logger.warn({ failed }, 'cache stack teardown left errors');
  };
  try {
    let redis: CacheStack['redis'];
    if (options.ownRedis) {
      const port = await ctx.freePort();
      track(await spawnRedisServer(supervisor, 'redis', port, ctx.tmpDir));
      redis = { url: `redis://127.0.0.1:${port}`, db: undefined, keyPrefix: `${ctx.redis.prefix}cache:` };
    } else {
      redis = { url: ctx.redis.url, db: ctx.redis.db, keyPrefix: `${ctx.redis.prefix}cache:` };
    }

    const originPort = await ctx.freePort();
    const origin = nodeEntry('suite/cache/content-origin-main');
    track(
      await supervisor.spawn({
        name: 'origin',
        command: origin.command,
        args: origin.args,
        env: {
          PORT: String(originPort),
          ...(options.cacheControl ? { CACHE_CONTROL: options.cacheControl } : {}),
        },
        ready: { type: 'http', url: `http://127.0.0.1:${originPort}/healthz` },
        ready_timeout_ms: 60_000,
        kill_grace_ms: 1000,
      }),
    );

    const cache = options.cache({
      url: redis.url,
      ...(redis.db === undefined ? {} : { db: redis.db }),
      keyPrefix: redis.keyPrefix,
    });
    const config = {
      listen: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
      clusters: {
        origin: {
          hosts: [{ url: `http://127.0.0.1:${originPort}` }],
          health: { outlier: false },
          timeouts: { connectMs: 500, perTryMs: 2000, overallMs: 5000 },
          retry: { maxRetries: 0 },
        },
      },
      routes: [{ name: 'content', match: { pathPrefix: '/' }, cluster: 'origin', cache }],
      seed: ctx.seed,
    };
    const configPath = join(ctx.tmpDir, 'cache-gateway.json');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const entry = nodeEntry('stack/gateway/main');
    const gateway = await supervisor.spawn({
      name: 'gateway',
      command: entry.command,
      env: privateListenerEnv,
      args: [...entry.args, '--config', configPath, '--log-level', 'warn'],
      ready: { type: 'log', pattern: listeningPattern },
      ready_timeout_ms: 60_000,
      kill_grace_ms: 2000,
    });
    track(gateway);
    const line = listeningLine(gateway);
    const gatewayUrl = `http://127.0.0.1:${line.port}`;
    const adminUrl = `http://127.0.0.1:${line.admin_port}`;
    gatewayPool = new Pool(gatewayUrl, { connections: 16 });
    const gp = gatewayPool;

    return {
      gatewayUrl,
      adminUrl,
      originUrl: `http://127.0.0.1:${originPort}`,
      supervisor,
      faultDeps: { processes: supervisor, logger: ctx.logger },
      redis,
      async get(path, opts = {}) {
        const res = await gp.request({
          method: 'GET',
          path,
          headers: { host: 'content.test', ...opts.headers },
          ...(opts.body === undefined ? {} : { body: opts.body }),
          signal: AbortSignal.timeout(10_000),
        });
        const body = await res.body.text();
        const cs = res.headers['cache-status'];
        return {
          status: res.statusCode,
          body,
          cacheStatus: Array.isArray(cs) ? cs.join(', ') : (cs ?? ''),
          at: performance.now(),
        };
      },
      async cacheState() {
        const res = await request(`${adminUrl}/admin/upstreams`, { signal: AbortSignal.timeout(2000) });
        const state = (await res.body.json()) as { routes: { cache: RouteCacheState | null }[] };
        const cache = state.routes[0]?.cache;
        if (!cache) throw new HarnessError('the gateway shows no cache on its route');
        return cache;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** GETs every path through the gateway, `concurrency` at a time; answers in path order. */
export async function fetchAll(
  stack: CacheStack,
  paths: readonly string[],
  concurrency = 8,
): Promise<(Fetched & { path: string })[]> {
  const out: (Fetched & { path: string })[] = new Array(paths.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, paths.length) }, async () => {
      while (next < paths.length) {
        const i = next++;
        const path = paths[i] as string;
        try {
          out[i] = { path, ...(await stack.get(path)) };
        } catch (err) {
          out[i] = {
            path,
            status: 0,
            body: String((err as Error)?.message ?? err),
            cacheStatus: '',
            at: performance.now(),
          };
        }
      }
    }),
  );
  return out;
}
