import { z } from 'zod';
import { BandwidthToxic } from './bandwidth.js';
import { HttpLatencyToxic } from './http-latency.js';
import { HttpStatusToxic } from './http-status.js';
import { LatencyToxic } from './latency.js';
import { LimitDataToxic } from './limit-data.js';
import { NoopToxic } from './noop.js';
import { ResetPeerToxic } from './reset-peer.js';
import { SlicerToxic } from './slicer.js';
import { SlowCloseToxic } from './slow-close.js';
import { TimeoutToxic } from './timeout.js';
import type { Toxic } from './toxic.js';

export type { Stream, Toxic, ToxicCapabilities, ToxicStub } from './toxic.js';

/** A toxic of any attributes and state, as the core handles them. */
export type AnyToxic = Toxic<object, unknown>;

/** Wire name → implementation, each with its own attribute and state types. */
const toxics = {
  latency: LatencyToxic,
  bandwidth: BandwidthToxic,
  slow_close: SlowCloseToxic,
  timeout: TimeoutToxic,
  reset_peer: ResetPeerToxic,
  slicer: SlicerToxic,
  limit_data: LimitDataToxic,
  noop: NoopToxic,
  http_status: HttpStatusToxic,
  http_latency: HttpLatencyToxic,
};

/**
 * The registry: wire name → implementation. Adding a toxic = one file + one line in `toxics`
 * above; the attributes union below is built from it. An explicit map rather than import side
 * effects, so the set of toxics never depends on module evaluation order.
 */
export const toxicRegistry: Readonly<Record<string, AnyToxic>> = Object.fromEntries(
  Object.entries(toxics).map(([type, toxic]) => [type, toxic as AnyToxic]),
);

/** The toxic registered under `type`, or undefined. */
export function findToxic(type: string): AnyToxic | undefined {
  return Object.hasOwn(toxicRegistry, type) ? toxicRegistry[type] : undefined;
}

/** The type of every registered toxic. */
export type ToxicType = keyof typeof toxics;

/** A registered toxic's `type` + `attributes`, discriminated on `type`. */
export type ToxicAttributes = {
  [K in ToxicType]: { type: K; attributes: z.output<(typeof toxics)[K]['attributes']> };
}[ToxicType];

/**
 * Every toxic's attributes, discriminated on `type`, built from the registry in its order: the
 * documented shape of a toxic's `type` + `attributes` (used for docs and JSON Schema; the API
 * validates in two phases like Toxiproxy, wrapper first, then the attributes of the now-known
 * type).
 */
export const toxicAttributesSchema = z.discriminatedUnion(
  'type',
  Object.entries(toxics).map(([type, toxic]) =>
    z.object({ type: z.literal(type), attributes: toxic.attributes as z.ZodType<object> }),
  ) as [z.ZodObject<{ type: z.ZodLiteral<string>; attributes: z.ZodType<object> }>],
) as unknown as z.ZodType<ToxicAttributes>;

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
