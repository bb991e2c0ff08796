import { z } from 'zod';
import { integerAttribute } from './attribute.js';
import type { Toxic } from './toxic.js';

export const bandwidthAttributes = z.object({
  /** Maximum rate in KB/s (1 KB = 1000 bytes, as in Toxiproxy); 0 = unlimited. @default 0 */
  rate: integerAttribute(0),
});
export type BandwidthAttributes = z.infer<typeof bandwidthAttributes>;

/** Bytes released per timer tick: 50 ms worth, so the rate is smooth at any size. */
const TICK_MS = 50;
/** After an idle gap longer than this the schedule restarts instead of bursting to catch up. */
const IDLE_MS = 200;

/**
 * Limits throughput. Each piece of at most 50 ms worth of data waits until its transmission time
 * has passed; the schedule is absolute, so timer lateness does not accumulate into a lower rate.
 */
export const BandwidthToxic: Toxic<BandwidthAttributes> = {
  type: 'bandwidth',
  attributes: bandwidthAttributes,
  async pipe(stub, { rate }) {
    const bytesPerMs = rate; // KB/s = bytes/ms
    const piece = Math.max(1, Math.floor(bytesPerMs * TICK_MS));
    let clock = performance.now();
    for (;;) {
      const chunk = await stub.peek();
      if (chunk === null || stub.interrupted) return;
      if (rate === 0) {
        stub.forward();
        continue;
      }
      const size = Math.min(chunk.length, piece);
      const now = performance.now();
      if (now - clock > IDLE_MS) clock = now;
      clock += size / bytesPerMs;
      const wait = clock - performance.now();
      if (wait > 0) {
        await stub.sleep(wait);
        if (stub.interrupted) return;
      }
      stub.forward(size);
    }
  },
};
