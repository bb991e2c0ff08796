import type { ManagedProcess } from '../../chaos/process/managed-process.js';

/** One instance of the reference stack: a service behind its fault proxy. */
export interface StackInstance {
  /** Name of the process in the supervisor, of its fault proxy, and its INSTANCE_ID. @example 'service-1' */
  readonly name: string;
  readonly port: number;
  /** The service itself, bypassing the proxy (for admin calls such as /admin/memory). */
  readonly directUrl: string;
  /** Through its fault proxy: what the gateway uses. */
  readonly proxiedUrl: string;
  /** Its process, when Faultline started it (always, but for an external target's address instances). */
  readonly process: ManagedProcess | undefined;
}
