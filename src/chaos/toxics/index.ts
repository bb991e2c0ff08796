import { z } from 'zod';
import { BandwidthToxic, bandwidthAttributes } from './bandwidth.js';
import { HttpLatencyToxic, httpLatencyAttributes } from './http-latency.js';
import { HttpStatusToxic, httpStatusAttributes } from './http-status.js';
import { LatencyToxic, latencyAttributes } from './latency.js';
import { LimitDataToxic, limitDataAttributes } from './limit-data.js';
import { NoopToxic, noopAttributes } from './noop.js';
import { ResetPeerToxic, resetPeerAttributes } from './reset-peer.js';
import { SlicerToxic, slicerAttributes } from './slicer.js';
import { SlowCloseToxic, slowCloseAttributes } from './slow-close.js';
import { TimeoutToxic, timeoutAttributes } from './timeout.js';
import type { Toxic } from './toxic.js';

export type { Stream, Toxic, ToxicCapabilities, ToxicStub } from './toxic.js';

/** A toxic of any attributes and state, as the core handles them. */
export type AnyToxic = Toxic<object, unknown>;

/**
 * The registry: wire name → implementation. Adding a toxic = one file + one line here.
 * An explicit map rather than import side effects, so the set of toxics never depends on
 * module evaluation order.
 */
export const toxicRegistry: Readonly<Record<string, AnyToxic>> = {
  latency: LatencyToxic as AnyToxic,
  bandwidth: BandwidthToxic as AnyToxic,
  slow_close: SlowCloseToxic as AnyToxic,
  timeout: TimeoutToxic as AnyToxic,
  reset_peer: ResetPeerToxic as AnyToxic,
  slicer: SlicerToxic as AnyToxic,
  limit_data: LimitDataToxic as AnyToxic,
  noop: NoopToxic as AnyToxic,
  http_status: HttpStatusToxic as AnyToxic,
  http_latency: HttpLatencyToxic as AnyToxic,
};

/** The toxic registered under `type`, or undefined. */
export function findToxic(type: string): AnyToxic | undefined {
  return Object.hasOwn(toxicRegistry, type) ? toxicRegistry[type] : undefined;
}

/**
 * Every toxic's attributes, discriminated on `type`: the documented shape of a toxic's
 * `type` + `attributes` (used for docs and JSON Schema; the API validates in two phases like
 * Toxiproxy, wrapper first, then the attributes of the now-known type).
 */
export const toxicAttributesSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('latency'), attributes: latencyAttributes }),
  z.object({ type: z.literal('bandwidth'), attributes: bandwidthAttributes }),
  z.object({ type: z.literal('slow_close'), attributes: slowCloseAttributes }),
  z.object({ type: z.literal('timeout'), attributes: timeoutAttributes }),
  z.object({ type: z.literal('reset_peer'), attributes: resetPeerAttributes }),
  z.object({ type: z.literal('slicer'), attributes: slicerAttributes }),
  z.object({ type: z.literal('limit_data'), attributes: limitDataAttributes }),
  z.object({ type: z.literal('noop'), attributes: noopAttributes }),
  z.object({ type: z.literal('http_status'), attributes: httpStatusAttributes }),
  z.object({ type: z.literal('http_latency'), attributes: httpLatencyAttributes }),
]);
export type ToxicAttributes = z.infer<typeof toxicAttributesSchema>;
export type ToxicType = ToxicAttributes['type'];

export {
  BandwidthToxic,
  HttpLatencyToxic,
  HttpStatusToxic,
  LatencyToxic,
  LimitDataToxic,
  NoopToxic,
  ResetPeerToxic,
  SlicerToxic,
  SlowCloseToxic,
  TimeoutToxic,
};
