import { z } from 'zod';
import { integerAttribute } from './attribute.js';
import type { Toxic } from './toxic.js';

export const latencyAttributes = z.object({
  /** Delay added to every chunk, in milliseconds. @default 0 */
  latency: integerAttribute(0),
  /** Random variation, ± milliseconds, drawn per chunk. @default 0 */
  jitter: integerAttribute(0),
});
export type LatencyAttributes = z.infer<typeof latencyAttributes>;

/**
 * Delays each chunk by latency ± jitter, measured from when the chunk arrived, so a stream of
 * chunks is shifted in time rather than slowed down; order is kept even when jitter would swap two.
 */
export const LatencyToxic: Toxic<LatencyAttributes> = {
  type: 'latency',
  attributes: latencyAttributes,
  async pipe(stub, { latency, jitter }) {
    let lastRelease = 0;
    for (;;) {
      const chunk = await stub.peek();
      if (chunk === null || stub.interrupted) return;
      const delay = jitter > 0 ? latency + stub.rng.int(-jitter, jitter) : latency;
      const releaseAt = Math.max(stub.headArrivedAt() + Math.max(0, delay), lastRelease);
      const wait = releaseAt - performance.now();
      if (wait > 0) {
        await stub.sleep(wait);
        if (stub.interrupted) return;
      }
      lastRelease = releaseAt;
      stub.forward();
    }
  },
};
