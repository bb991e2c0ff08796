import type { Logger } from 'pino';
import { z } from 'zod';
import type { SeededRandom } from '../../common/rng.js';
import { HttpLoadSender, httpLoadSchema } from './http-load.js';
import type { LoadRun } from './load.js';
import { OpenLoopRun } from './open-loop-run.js';
import { WsLoadSender, wsLoadSchema } from './ws-load.js';

/** Every load spec, discriminated on `kind` (`http` or `ws`). */
export const loadSpecSchema = z.discriminatedUnion('kind', [httpLoadSchema, wsLoadSchema]);
export type LoadSpec = z.output<typeof loadSpecSchema>;
export type LoadSpecInput = z.input<typeof loadSpecSchema>;

export interface StartLoadOptions {
  /** Idempotency keys and Poisson gaps come from here. */
  rng: SeededRandom;
  /** Aborting it stops the load at once and aborts requests in flight. */
  signal: AbortSignal;
  /** performance.now() at the run's time origin; timeline offsets are relative to it. */
  origin: number;
  logger?: Logger;
}

/**
 * Start open-loop load. Returns at once; `done` settles when the schedule is over and every
 * outcome is in (it rejects only if setup fails, e.g. no WebSocket connection could open).
 */
export function startLoad(spec: LoadSpecInput, options: StartLoadOptions): LoadRun {
  const parsed = loadSpecSchema.parse(spec);
  const maxRequests =
    parsed.max_requests ?? Math.max(1, Math.ceil((parsed.rate * parsed.duration_ms) / 1000));
  const common = {
    rate: parsed.rate,
    durationMs: parsed.duration_ms,
    maxRequests,
    maxInFlight: parsed.max_in_flight,
    arrival: parsed.arrival,
    rng: options.rng,
    signal: options.signal,
    origin: options.origin,
    logger: options.logger,
  };
  if (parsed.kind === 'http') {
    return new OpenLoopRun(async () => new HttpLoadSender(parsed, options.rng), common);
  }
  return new OpenLoopRun(async () => {
    const sender = new WsLoadSender(parsed);
    await sender.open();
    return sender;
  }, common);
}

/** A function that starts the load: lets the TypeScript API bring its own generator. */
export type LoadFactory = (opts: StartLoadOptions) => LoadRun;
