import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { FaultDeps } from '../../chaos/faults/fault-deps.js';
import { freePort as osFreePort } from '../../chaos/process/free-port.js';
import type { ManagedProcess } from '../../chaos/process/managed-process.js';
import { ProcessSupervisor } from '../../chaos/process/process-supervisor.js';
import { type ProxyServer, startProxyServer } from '../../chaos/proxy/proxy-server.js';
import type { SafetyController } from '../../chaos/safety/safety-controller.js';
import { isFaultlineError } from '../../common/errors.js';
import type { GatewayConfigInput } from '../../stack/gateway/gateway-config.js';
import type { GatewayState } from '../../stack/gateway/gateway-state.js';
import { spawnOnFreePort } from '../../targets/spawn-on-free-port.js';
import type { Target } from '../../targets/target.js';
import { TargetCapabilityError } from '../../targets/target-errors.js';
import { DEFAULT_TARGET } from '../../targets/targets.js';
import { HarnessError } from './harness-errors.js';
import { startProvidedInstances, withAttached } from './provided-instances.js';
import { spawnExternalStub, spawnRedisServer, spawnServiceInstance } from './service-instance.js';
import type { StackInstance } from './stack-instance.js';
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
   * target). Default: `defaultGatewayConfig`. A target other than Faultline maps it onto its own
   * config (src/targets).
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
  /**
   * The load balancer in front of the instances. @default Faultline's gateway. A target with its
   * own `instances` (external) replaces the reference-service instances: all of them are used,
   * and it must have at least `instances`.
   */
  target?: Target;
  /**
   * The run's mock setting for external services (`mocks.external`, CHAOS_MOCK_EXTERNAL): on a
   * target with its own instances, off means no stub and `CHAOS_MOCK_EXTERNAL=0` for the instances
   * Faultline starts. Faultline's reference instances always use the stub. @default true
   */
  mockExternal?: boolean;
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

export type { StackInstance } from './stack-instance.js';

export interface ReferenceStack {
  /** The entry point clients use: the target's URL (Faultline's gateway, HAProxy, nginx). */
  readonly gatewayUrl: string;
  /** The target's name. @example 'haproxy' */
  readonly target: string;
  /** Settings of the gateway config the target could not express (empty on Faultline). */
  readonly unsupported: readonly string[];
  /** Faultline's admin API, when the target is Faultline's gateway (extra detail only). */
  readonly adminUrl: string | undefined;
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
  /**
   * GET /admin/upstreams of the gateway; a TargetCapabilityError on a target without
   * `admin_state` (a scenario that judges from it must declare that capability).
   */
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

/**
 * The config with outlier ejections of its `service` cluster lasting `baseMs` (max twice that).
 * Scenarios that judge re-admission by active checks make ejections outlast the outage, its
 * recovery phase and a slow revival: an ejection that ran out around the restart would otherwise
 * pass for re-admission by the checks, and a control with active checks off could pass by luck.
 * (A passing active check lifts an ejection at once, as Envoy's
 * `successful_active_health_check_uneject_host`.)
 */
export function withBaseEjection(
  config: GatewayConfigInput,
  baseMs: number,
  cluster = 'service',
): GatewayConfigInput {
  const health = config.clusters[cluster]?.health;
  return withClusterOverrides(
    config,
    {
      health: {
        ...health,
        outlier: { ...(health?.outlier || {}), baseEjectionMs: baseMs, maxEjectionMs: 2 * baseMs },
      },
    },
    cluster,
  );
}

/** Health of an instance as the gateway sees it. */
export function hostState(state: GatewayState, url: string, cluster = 'service') {
  return state.clusters[cluster]?.hosts.find((h) => h.url === url || h.url === `${url}/`);
}

/**
 * Starts the reference stack on real processes: N reference-service instances on free ports,
 * a fault proxy in front of each (in this process), optionally Redis and the external stub,
 * and the target (Faultline's gateway by default, or HAProxy, nginx) that reaches the instances
 * through their proxies. Resolves once the target serves (Faultline: sees every host healthy). On any failure, or when `signal` aborts, everything
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

    const target = options.target ?? DEFAULT_TARGET;
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

    // The stub is the external-service mock: on a user's stack it follows the config's mock
    // setting; Faultline's own instances always use it.
    const mockExternal = !target.instances || options.mockExternal !== false;
    let external: ReferenceStack['external'];
    if (options.external && mockExternal) {
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

    const serviceEnv = (index: number) =>
      (typeof options.serviceEnv === 'function' ? options.serviceEnv(index) : options.serviceEnv) ?? {};
    const sharedEnv = {
      ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix } : {}),
      ...(external ? { EXTERNAL_URL: external.proxiedUrl } : {}),
    };
    let attached: Parameters<typeof withAttached>[1] = [];
    const instances = target.instances
      ? await startProvidedInstances(target.instances, proxies, {
          target: target.name,
          wanted: count,
          supervisor,
          tmpDir,
          freePort,
          // The config's mock setting reaches the user's instances (the reference service always mocks).
          env: (index) => ({
            CHAOS_MOCK_EXTERNAL: mockExternal ? '1' : '0',
            ...sharedEnv,
            ...serviceEnv(index),
          }),
          ...(options.signal ? { signal: options.signal } : {}),
        }).then((provided) => {
          attached = provided.attached;
          return provided.instances;
        })
      : await Promise.all(
          Array.from({ length: count }, async (_, index): Promise<StackInstance> => {
            const name = `service-${index + 1}`;
            const nodeArgs =
              typeof options.serviceNodeArgs === 'function'
                ? options.serviceNodeArgs(index)
                : options.serviceNodeArgs;
            const { port, proc } = await spawnOnFreePort(freePort, async (port) => ({
              port,
              proc: await spawnServiceInstance(supervisor, {
                name,
                port,
                env: { ...sharedEnv, ...serviceEnv(index) },
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
    for (const instance of target.instances ? instances : []) if (instance.process) track(instance.process);
    // A user's process Faultline attached to is left as found (thawed, started again) at the end.
    for (const a of attached) teardown.add('attached-process', a.name, () => a.close());

    const entry = await target.start({
      config: (options.gateway ?? defaultGatewayConfig)({ hosts: instances.map((i) => i.proxiedUrl) }),
      instances: instances.map(({ name, proxiedUrl }) => ({ name, proxiedUrl })),
      supervisor,
      tmpDir,
      freePort,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    for (const proc of entry.processes) track(proc);
    teardown.add('target', target.name, () => entry.close());
    const admin = entry.admin;
    const upstreams = async (): Promise<GatewayState> => {
      if (!admin) throw new TargetCapabilityError(target.name, 'admin_state');
      return admin.upstreams();
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
          if (isFaultlineError(err)) throw err;
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
      gatewayUrl: entry.url,
      target: target.name,
      unsupported: entry.unsupported,
      adminUrl: admin?.url,
      instances,
      proxies,
      supervisor,
      external,
      redisUrl,
      faultDeps: {
        processes: withAttached(supervisor, attached),
        toxics: proxies,
        ...(options.logger ? { logger: options.logger } : {}),
      },
      tmpDir,
      upstreams,
      waitForUpstreams,
      close,
    };
    return stack;
  } catch (err) {
    await close();
    throw err;
  }
}
