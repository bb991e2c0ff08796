import { z } from 'zod';
import { integerAttribute } from './attribute.js';
import type { Toxic } from './toxic.js';

export const resetPeerAttributes = z.object({
  /** Milliseconds between the first data in this direction and the reset; 0 = at once. @default 0 */
  timeout: integerAttribute(0),
});
export type ResetPeerAttributes = z.infer<typeof resetPeerAttributes>;

/**
 * Simulates "connection reset by peer": when data arrives, waits `timeout` ms and resets the
 * connection (TCP RST to both peers; nothing more is forwarded).
 */
export const ResetPeerToxic: Toxic<ResetPeerAttributes> = {
  type: 'reset_peer',
  attributes: resetPeerAttributes,
  async pipe(stub, { timeout }) {
    const chunk = await stub.peek();
    if (stub.interrupted) return;
    if (chunk !== null) await stub.sleep(timeout);
    if (!stub.interrupted) stub.resetConnection();
    await stub.hold();
  },
};
