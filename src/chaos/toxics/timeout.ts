import { z } from 'zod';
import { integerAttribute } from './attribute.js';
import type { Toxic } from './toxic.js';

export const timeoutAttributes = z.object({
  /** Milliseconds until the connection is closed; 0 = never (hang until the toxic is removed). @default 0 */
  timeout: integerAttribute(0),
});
export type TimeoutAttributes = z.infer<typeof timeoutAttributes>;

/**
 * Lets no data through. After `timeout` ms the connection is closed and the held data is lost
 * with it; with timeout 0 the data is held until the toxic is removed, then delivered in order.
 */
export const TimeoutToxic: Toxic<TimeoutAttributes> = {
  type: 'timeout',
  attributes: timeoutAttributes,
  async pipe(stub, { timeout }) {
    if (timeout === 0) {
      await stub.hold();
      return;
    }
    await stub.sleep(timeout);
    if (!stub.interrupted) stub.closeConnection();
    await stub.hold();
  },
};
