import { z } from 'zod';
import { integerAttribute } from './attribute.js';
import type { Toxic } from './toxic.js';

export const limitDataAttributes = z.object({
  /** Bytes allowed through in this direction before the connection is closed. @default 0 */
  bytes: integerAttribute(0),
});
export type LimitDataAttributes = z.infer<typeof limitDataAttributes>;

/** What the limit_data toxic keeps per connection, across updates of the toxic. */
export interface LimitDataState {
  transmitted: number;
}

/** Closes the connection once `bytes` bytes have gone through (counted across updates of the toxic). */
export const LimitDataToxic: Toxic<LimitDataAttributes, LimitDataState> = {
  type: 'limit_data',
  attributes: limitDataAttributes,
  newState: () => ({ transmitted: 0 }),
  async pipe(stub, { bytes }) {
    for (;;) {
      const chunk = await stub.peek();
      if (chunk === null || stub.interrupted) return;
      const allowed = Math.min(chunk.length, Math.max(0, bytes - stub.state.transmitted));
      if (allowed > 0) {
        stub.forward(allowed);
        stub.state.transmitted += allowed;
      }
      if (stub.state.transmitted >= bytes) {
        stub.closeConnection();
        await stub.hold();
        return;
      }
    }
  },
};
