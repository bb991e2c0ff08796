import { z } from 'zod';
import type { SeededRandom } from '../../common/rng.js';
import { integerAttribute } from './attribute.js';
import type { Toxic } from './toxic.js';

export const slicerAttributes = z
  .object({
    /** Average slice size in bytes (required, at least 1). */
    average_size: integerAttribute(undefined, 1),
    /** ± bytes of variation per slice; must be smaller than average_size. @default 0 */
    size_variation: integerAttribute(0),
    /** Pause between slices, in microseconds. @default 0 */
    delay: integerAttribute(0),
  })
  .refine((a) => a.size_variation < a.average_size, {
    error: 'must be smaller than average_size',
    path: ['size_variation'],
  });
export type SlicerAttributes = z.infer<typeof slicerAttributes>;

/** Slice sizes for a chunk of `size` bytes: split about in half, with variation, until small enough. */
export function sliceSizes(size: number, a: SlicerAttributes, rng: SeededRandom): number[] {
  const out: number[] = [];
  const split = (len: number): void => {
    if (len - a.average_size <= a.size_variation) {
      if (len > 0) out.push(len);
      return;
    }
    const v = a.size_variation;
    const left = Math.floor(len / 2) + (v > 0 ? rng.int(-v, v - 1) : 0);
    split(left);
    split(len - left);
  };
  split(size);
  return out;
}

/**
 * Cuts data into small slices, optionally pausing between them, like a network that fragments
 * writes. Timers have 1 ms resolution, so pauses under 1 ms are accumulated and taken together
 * once they add up to a millisecond: the average pacing is kept without a timer per slice.
 */
export const SlicerToxic: Toxic<SlicerAttributes> = {
  type: 'slicer',
  attributes: slicerAttributes,
  async pipe(stub, attributes) {
    let owedMs = 0;
    for (;;) {
      const chunk = await stub.peek();
      if (chunk === null || stub.interrupted) return;
      for (const size of sliceSizes(chunk.length, attributes, stub.rng)) {
        stub.forward(size);
        owedMs += attributes.delay / 1000;
        if (owedMs >= 1) {
          const started = performance.now();
          await stub.sleep(owedMs);
          if (stub.interrupted) return;
          owedMs = Math.max(0, owedMs - (performance.now() - started));
        }
      }
    }
  },
};
