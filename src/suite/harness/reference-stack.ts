import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { request } from 'undici';
import type { FaultDeps } from '../../chaos/faults/fault-deps.js';
import { freePort as osFreePort } from '../../chaos/process/free-port.js';
import type { ManagedProcess } from '../../chaos/process/managed-process.js';
import { ProcessSupervisor } from '../../chaos/process/process-supervisor.js';
import { type ProxyServer, startProxyServer } from '../../chaos/proxy/proxy-server.js';
import type { SafetyController } from '../../chaos/safety/safety-controller.js';
import type { GatewayConfigInput } from '../../stack/gateway/gateway-config.js';
import type { GatewayState } from '../../stack/gateway/gateway-state.js';
import { HarnessError } from './harness-errors.js';
import { listeningLine, listeningPattern } from './listening-line.js';
import { nodeEntry, privateListenerEnv } from './node-entry.js';
import { spawnExternalStub, spawnRedisServer, spawnServiceInstance } from './service-instance.js';
import { Teardown } from './teardown.js';

/** What the gateway config builder is given: every instance as the gateway must reach it. */
export interface GatewayHosts {
  /** Each instance's URL through its fault proxy, in instance order. */
  hosts: string[];
}

export interface ReferenceStackOptions {
  /** Service instances behind the gateway. @default 3 */
  instances?: number;
  /**
   * The gateway config, built from the proxied host URLs (listen/admin ports are set by the
   * harness). Default: `defaultGatewayConfig`.
   */
  gateway?: (hosts: GatewayHosts) => GatewayConfigInput;
  /** Extra environment for each instance (by index from 0), e.g. DEPENDENCY_TIMEOUT_MS. */
  serviceEnv?: Record<string, string> | ((index: number) => Record<string, string>);
  /** Node flags for each instance, e.g. `--max-old-space-size=160`. */
  serviceNodeArgs?: string[] | ((index: number) => string[]);
  /**
   * Give the instances a shared durable store: `true` spawns a throw-away redis-server, a URL
   * uses an existing Redis (with a key prefix of its own). Off = in-memory items per instance.
   */
  redis?: boolean | { url: string; prefix: string };
  /**
   * Spawn the external-dependency stub as a process, with a fault proxy named `external` in
   * front of it that every instance's EXTERNAL_URL points through. @default false
   */
  external?: boolean;
  /** Everything started is registered here, so its emergency stop leaves nothing behind. */
  safety?: SafetyController;
  /** Ports for the children (a run-wide allocator avoids collisions). @default the OS's */
  freePort?: () => Promise<number>;
  /** A directory of this scenario's; the harness makes (and removes) its own when absent. */
  tmpDir?: string;
  /** Aborting it tears the stack down. */
  signal?: AbortSignal;
  logger?: Logger;
}

export interface StackInstance {
  /** Name of the process in the supervisor, of its fault proxy, and its INSTANCE_ID. @example 'service-1' */
  readonly name: string;
  readonly port: number;
  /** The service itself, bypassing the proxy (for admin calls such as /admin/memory). */
  readonly directUrl: string;
  /** Through its fault proxy: what the gateway uses. */
  readonly proxiedUrl: string;
  readonly process: ManagedProcess;
}

export interface ReferenceStack {
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  readonly gateway: ManagedProcess;
  readonly instances: readonly StackInstance[];
  /** The in-process fault proxy server: one proxy per instance (same name), plus `external`. */
  readonly proxies: ProxyServer;
  readonly supervisor: ProcessSupervisor;
  /** The external stub, when `external` was asked for. */
  readonly external:
    | { readonly directUrl: string; readonly proxiedUrl: string; readonly proxy: string }
    | undefined;
  /** The Redis the instances share, when `redis` was asked for. */
  readonly redisUrl: string | undefined;
  /** What `createFault` needs to reach the stack's processes and proxies. */
  readonly faultDeps: FaultDeps;
  readonly tmpDir: string;
  /** GET /admin/upstreams of the gateway. */
  upstreams(): Promise<GatewayState>;
  /** Polls the gateway's state until `predicate` holds; rejects after `timeoutMs`. */
  waitForUpstreams(predicate: (state: GatewayState) => boolean, timeoutMs?: number): Promise<GatewayState>;
  /** Tears everything down, last started first; idempotent, never throws. */
  close(): Promise<void>;
}

/**
 * The default gateway config: one cluster `service` over all hosts, round robin, active checks
 * every 200 ms (fall 2, rise 2), outlier detection ejecting after 3 consecutive gateway
 * failures or 5xx (up to 50 % of hosts), 2 retries on another host within the default retry
 * budget (rate-based: 20 % of the requests of the last 10 s plus 10 retries/s), per-try timeout 2 s.
 */
export function defaultGatewayConfig({ hosts }: GatewayHosts): GatewayConfigInput {
  return {
    clusters: {
      service: {
        hosts: hosts.map((url) => ({ url })),
        balancer: 'round_robin',
        health: {
          active: { path: '/healthz', intervalMs: 200, timeoutMs: 500, rise: 2, fall: 2 },
          outlier: {
            consecutive5xx: 3,
            consecutiveGatewayFailure: 3,
            intervalMs: 1000,
            baseEjectionMs: 2000,
            maxEjectionMs: 10_000,
            maxEjectionPercent: 50,
          },
        },
        // Generous: scenarios run on a shared, often overloaded 2-core machine.
        timeouts: { connectMs: 500, perTryMs: 2000, overallMs: 5000 },
        // The documented default retry budget (rate-based). Envoy's in-flight budget refused
        // retries when a host hung (the requests stuck on it all want their retry at once), which
        // is why these scenarios once needed a special 100 % budget; the rate budget counts
        // requests started over 10 s, not in flight, so those retries fit.
        retry: { maxRetries: 2 },
      },
    },
  };
}

type ClusterInput = GatewayConfigInput['clusters'][string];

/** The config with fields of its `service` cluster replaced (shallowly) by `overrides`. */
export function withClusterOverrides(
  config: GatewayConfigInput,
  overrides: Partial<ClusterInput>,
  cluster = 'service',
): GatewayConfigInput {
  const base = config.clusters[cluster] as ClusterInput;
  return { ...config, clusters: { ...config.clusters, [cluster]: { ...base, ...overrides } } };
}

/** Health of an instance as the gateway sees it. */
export function hostState(state: GatewayState, url: string, cluster = 'service') {
  return state.clusters[cluster]?.hosts.find((h) => h.url === url || h.url === `${url}/`);
}

/**
 * Spawns a child that needs a fixed port (it must come back on the same port after a restart),
 * choosing another port when the chosen one was taken between the choice and the bind.
 */
async function spawnOnFreePort<T>(
  freePort: () => Promise<number>,
  spawn: (port: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await spawn(port);
    } catch (err) {
      const inUse = /EADDRINUSE|Address already in use/.test(String((err as Error)?.message));
      if (!inUse || attempt >= 3) throw err;
    }
  }
}

/**
 * Starts the reference stack on real processes: N reference-service instances on free ports,
 * a fault proxy in front of each (in this process), optionally Redis and the external stub,
 * and a gateway process that reaches the instances through their proxies. Resolves once the
 * gateway sees every host healthy. On any failure, or when `signal` aborts, everything
 * started so far is torn down.
 */
export async function startReferenceStack(options: ReferenceStackOptions = {}): Promise<ReferenceStack> {
  const count = options.instances ?? 3;
  if (!Number.isInteger(count) || count < 1)
    throw new HarnessError(`instances must be a positive integer, got ${count}`);
  const freePort = options.freePort ?? (() => osFreePort());
  const teardown = new Teardown(options.safety);
  const ownTmp = options.tmpDir === undefined;
  const tmpDir = options.tmpDir ?? (await mkdtemp(join(tmpdir(), 'faultline-stack-')));
  if (ownTmp) teardown.add('tmpdir', 'stack-tmpdir', () => rm(tmpDir, { recursive: true, force: true }));

  const supervisor = new ProcessSupervisor(options.logger ? { logger: options.logger } : {});
  teardown.add('supervisor', 'stack-supervisor', () => supervisor.stopAll(1000));
  const track = (proc: ManagedProcess) =>
    teardown.add(
      'process',
      proc.name,
      () => proc.close(1000),
      () => proc.pid,
    );

  const onAbort = () => void teardown.run();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const close = async () => {
    options.signal?.removeEventListener('abort', onAbort);
    const failed = await teardown.run();
    if (failed.length > 0) options.logger?.warn({ failed }, 'reference stack teardown left errors');
  };

  try {
    options.signal?.throwIfAborted();
    const proxies = await startProxyServer({
      port: 0,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    teardown.add('proxy-server', 'stack-proxies', () => proxies.close());

    let redisUrl: string | undefined;
    let redisPrefix = 'faultline:stack:';
    if (options.redis === true) {
      const redis = await spawnOnFreePort(freePort, async (port) => ({
        port,
        proc: await spawnRedisServer(supervisor, 'redis', port, tmpDir),
      }));
      track(redis.proc);
      redisUrl = `redis://127.0.0.1:${redis.port}/0`;
    } else if (options.redis) {
      redisUrl = options.redis.url;
      redisPrefix = options.redis.prefix;
    }

    let external: ReferenceStack['external'];
    if (options.external) {
      const stub = await spawnOnFreePort(freePort, async (port) => ({
        port,
        proc: await spawnExternalStub(supervisor, 'external-stub', port),
      }));
      track(stub.proc);
      const port = stub.port;
      const proxy = await proxies.createProxy({
        name: 'external',
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${port}`,
      });
      external = {
        directUrl: `http://127.0.0.1:${port}/`,
        proxiedUrl: `http://${proxy.listen}/`,
        proxy: 'external',
      };
    }

    const instances = await Promise.all(
      Array.from({ length: count }, async (_, index): Promise<StackInstance> => {
        const name = `service-${index + 1}`;
        const env = typeof options.serviceEnv === 'function' ? options.serviceEnv(index) : options.serviceEnv;
        const nodeArgs =
          typeof options.serviceNodeArgs === 'function'
            ? options.serviceNodeArgs(index)
            : options.serviceNodeArgs;
        const { port, proc } = await spawnOnFreePort(freePort, async (port) => ({
          port,
          proc: await spawnServiceInstance(supervisor, {
            name,
            port,
            env: {
              ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix } : {}),
              ...(external ? { EXTERNAL_URL: external.proxiedUrl } : {}),
              ...env,
            },
            ...(nodeArgs ? { nodeArgs } : {}),
          }),
        }));
        track(proc);
        const proxy = await proxies.createProxy({
          name,
          listen: '127.0.0.1:0',
          upstream: `127.0.0.1:${port}`,
        });
        return {
          name,
          port,
          directUrl: `http://127.0.0.1:${port}`,
          proxiedUrl: `http://${proxy.listen}`,
          process: proc,
        };
      }),
    );

    // Port 0: the gateway binds its own ports and announces them, so no other process can
    // take them between our choice and its bind (it is never restarted, so no fixed port needed).
    const config = {
      ...(options.gateway ?? defaultGatewayConfig)({ hosts: instances.map((i) => i.proxiedUrl) }),
      listen: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
    };
    const configPath = join(tmpDir, 'gateway.json');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const entry = nodeEntry('stack/gateway/main');
    const gateway = await supervisor.spawn({
      name: 'gateway',
      command: entry.command,
      env: privateListenerEnv,
      args: [...entry.args, '--config', configPath],
      ready: { type: 'log', pattern: listeningPattern },
      ready_timeout_ms: 20_000,
      kill_grace_ms: 2000,
    });
    track(gateway);
    const announced = listeningLine(gateway);
    const gatewayUrl = String(announced.url ?? `http://127.0.0.1:${announced.port}`).replace(/\/$/, '');
    const adminUrl = String(announced.admin_url ?? `http://127.0.0.1:${announced.admin_port}`).replace(
      /\/$/,
      '',
    );

    const upstreams = async (): Promise<GatewayState> => {
      const res = await request(`${adminUrl}/admin/upstreams`, { signal: AbortSignal.timeout(2000) });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new HarnessError(`gateway admin answered ${res.statusCode} to /admin/upstreams`);
      }
      return (await res.body.json()) as GatewayState;
    };
    const waitForUpstreams = async (predicate: (s: GatewayState) => boolean, timeoutMs = 10_000) => {
      const deadline = performance.now() + timeoutMs;
      let last: GatewayState | undefined;
      for (;;) {
        options.signal?.throwIfAborted();
        try {
          last = await upstreams();
          if (predicate(last)) return last;
        } catch (err) {
          if (err instanceof HarnessError) throw err;
        }
        if (performance.now() > deadline) {
          throw new HarnessError(
            `gateway upstreams did not reach the expected state within ${timeoutMs} ms: ${JSON.stringify(last?.clusters)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    const stack: ReferenceStack = {
      gatewayUrl,
      adminUrl,
      gateway,
      instances,
      proxies,
      supervisor,
      external,
      redisUrl,
      faultDeps: {
        processes: supervisor,
        toxics: proxies,
        ...(options.logger ? { logger: options.logger } : {}),
      },
      tmpDir,
      upstreams,
      waitForUpstreams,
      close,
    };
    await waitForUpstreams((s) =>
      Object.values(s.clusters).every((c) => c.hosts.every((h) => h.status === 'healthy')),
    );
    return stack;
  } catch (err) {
    await close();
    throw err;
  }
}
