import type { Logger } from 'pino';
import type { ProcessLookup } from '../process/process-supervisor.js';
import { FaultTargetError } from './errors.js';
import type { ToxicTarget } from './toxic-target.js';
import { ToxiproxyHttpTarget } from './toxiproxy-http-target.js';

/** What `createFault` may reach: the engine's children and its proxies. */
export interface FaultDeps {
  /** The supervisor (or anything that finds spawned processes by name). */
  processes?: ProcessLookup;
  /** The in-process proxy server, for toxic faults without an `api` URL. */
  toxics?: ToxicTarget;
  logger?: Logger;
}

/** The toxic target for a spec: its `api` URL if it has one, else the in-process proxy. */
export function resolveToxicTarget(api: string | undefined, deps: FaultDeps, faultName: string): ToxicTarget {
  if (api !== undefined) return new ToxiproxyHttpTarget(api);
  if (deps.toxics) return deps.toxics;
  throw new FaultTargetError(
    `fault "${faultName}": no "api" URL and no in-process proxy to add the toxic to`,
  );
}
