import { z } from 'zod';
import type { RandomSource } from '../../common/rng.js';
import type { Backoff } from './backoff.js';
import { ConstantBackoff } from './constant-backoff.js';
import {
  DecorrelatedJitterBackoff,
  decorrelatedJitterBackoffOptionsSchema,
} from './decorrelated-jitter-backoff.js';
import { FullJitterBackoff, fullJitterBackoffOptionsSchema } from './full-jitter-backoff.js';

const capAtLeastBase = (o: { baseMs: number; capMs: number }): boolean => o.capMs >= o.baseMs;
const capMessage = { message: 'capMs must be >= baseMs', path: ['capMs'] };

/**
 * A back-off as it appears in a config file, discriminated on `type`.
 * @example { type: 'full-jitter', baseMs: 25, capMs: 250 }
 */
export const backoffConfigSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('full-jitter'), ...fullJitterBackoffOptionsSchema.shape })
    .refine(capAtLeastBase, capMessage),
  z
    .object({ type: z.literal('decorrelated-jitter'), ...decorrelatedJitterBackoffOptionsSchema.shape })
    .refine(capAtLeastBase, capMessage),
  z.object({ type: z.literal('constant'), /** Delay in ms. */ ms: z.number().min(0) }),
]);
export type BackoffConfig = z.input<typeof backoffConfigSchema>;

/** Builds the Backoff a config describes; jitter draws come from `random`. */
export function createBackoff(config: BackoffConfig, random?: RandomSource): Backoff {
  switch (config.type) {
    case 'full-jitter':
      return new FullJitterBackoff(config, random);
    case 'decorrelated-jitter':
      return new DecorrelatedJitterBackoff(config, random);
    case 'constant':
      return new ConstantBackoff(config.ms);
  }
}
