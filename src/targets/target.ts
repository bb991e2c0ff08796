import type { Logger } from 'pino';
import type { FaultableProcess } from '../chaos/process/faultable-process.js';
import type { ManagedProcess } from '../chaos/process/managed-process.js';
import type { ProcessSupervisor } from '../chaos/process/process-supervisor.js';
import type { GatewayConfigInput } from '../stack/gateway/gateway-config.js';
import type { GatewayState } from '../stack/gateway/gateway-state.js';
import type { Capability } from './capability.js';

/**
 * The system under test: a load balancer put in front of the scenario's instances (each behind
 * its fault proxy). A scenario describes the balancer it wants as Faultline gateway settings
 * (`GatewayConfigInput`: timeouts, retries, checks, outlier detection, slow start, limits,
 * cache); each target maps them onto its own configuration and says which it cannot express.
 * Scenarios judge from the clients and the instances, so the same scenario judges any target.
 */
export interface Target {
  /** As on the command line (`--target NAME`). @example 'haproxy' */
  readonly name: string;
  /** One line for reports. @example 'HAProxy 2.x (Debian), config generated per scenario' */
  readonly title: string;
  /**
   * Every capability: `true` when the target has it, else the reason it lacks it, shown as
   * the skip reason (e.g. "nginx open source has no active health checks").
   */
  readonly capabilities: Readonly<Record<Capability, true | string>>;
  /**
   * Whether `--controls` runs a scenario's negative controls on it: `true`, or why not. A control
   * rewrites the scenario's gateway config; on a target that maps that config only in part, the
   * switched-off setting may never have been expressed, and the control would prove nothing.
   */
  readonly controls: true | string;
  /** An executable it runs, checked before any scenario: missing → its scenarios are skipped. */
  readonly binary?: { readonly name: string; readonly install: string; readonly paths?: readonly string[] };
  /**
   * The instances, when the target brings its own (the `external` target: a user's services).
   * The harness then starts no reference-service instances: it starts or attaches to these and
   * puts a fault proxy in front of each. Absent: the harness starts the reference service.
   */
  readonly instances?: TargetInstances;
  /** Starts the entry point in front of `config`'s hosts; resolves once it serves. */
  start(options: TargetStartOptions): Promise<RunningTarget>;
}

export interface TargetStartOptions {
  /** The scenario's gateway settings; hosts are the instances' proxied URLs. */
  config: GatewayConfigInput;
  /**
   * The instances behind the entry point, in order, as the entry must reach them (their fault
   * proxies). The harness always gives them; the same URLs are `config`'s hosts.
   */
  instances?: readonly { readonly name: string; readonly proxiedUrl: string }[];
  /** Spawn children here (the harness's supervisor, so faults and teardown see them). */
  supervisor: ProcessSupervisor;
  /** The scenario's directory: generated configs, pid files, caches go here. */
  tmpDir: string;
  /** A free port on 127.0.0.1 (the run's allocator). */
  freePort: () => Promise<number>;
  signal?: AbortSignal;
  logger?: Logger;
}

/** A started target. */
export interface RunningTarget {
  /** The entry URL clients use, without a trailing slash. @example 'http://127.0.0.1:41234' */
  readonly url: string;
  /** The processes it started (already registered with the supervisor). */
  readonly processes: readonly ManagedProcess[];
  /** Settings of the config it could not express, one line each (empty: all expressed). */
  readonly unsupported: readonly string[];
  /** Its own view of its hosts (only a target with `admin_state`). */
  readonly admin?: TargetAdmin;
  /** Stops what it started; idempotent, never throws. */
  close(): Promise<void>;
}

/** Faultline's admin API: its view of hosts and routes, and its Prometheus metrics. */
export interface TargetAdmin {
  /** @example 'http://127.0.0.1:41235' */
  readonly url: string;
  /** GET /admin/upstreams. */
  upstreams(): Promise<GatewayState>;
}

/** Instances a target brings itself; see `Target.instances`. */
export interface TargetInstances {
  /** How many instances the target has (every scenario gets all of them). */
  readonly count: number;
  /**
   * Starts (a command) or attaches to (an address) every instance, in order, and resolves once
   * each accepts connections. On failure it stops what it started and rejects.
   */
  start(options: InstanceStartOptions): Promise<ProvidedInstance[]>;
}

export interface InstanceStartOptions {
  /** Spawn children here (the harness's supervisor, so faults and teardown see them). */
  supervisor: ProcessSupervisor;
  /** The scenario's directory. */
  tmpDir: string;
  /** A free port on 127.0.0.1 (the run's allocator). */
  freePort: () => Promise<number>;
  /**
   * Environment for the instance at `index` (from 0) when Faultline starts it: the scenario's
   * service settings, Redis, and the external-service mock (CHAOS_MOCK_EXTERNAL, EXTERNAL_URL).
   */
  env: (index: number) => Record<string, string>;
  signal?: AbortSignal;
}

/** One instance a target brought, before its fault proxy. */
export interface ProvidedInstance {
  /** Its name: of its process in the supervisor, of its fault proxy. @example 'api-1' */
  readonly name: string;
  /** Where it serves, `host:port`: its fault proxy's upstream. @example '127.0.0.1:9001' */
  readonly address: string;
  /** Where its fault proxy must listen (`host:port`); undefined: a free port on 127.0.0.1. */
  readonly proxyListen?: string;
  /** Its process, when Faultline started it (registered with the supervisor). */
  readonly process?: ManagedProcess;
  /**
   * The user's process behind an address, when the target can hurt it (process faults find it by
   * `name`). `close()` at teardown leaves it as it was found.
   */
  readonly attached?: FaultableProcess & { close(): Promise<void> };
}
