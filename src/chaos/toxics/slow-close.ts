import { z } from 'zod';
import { integerAttribute } from './attribute.js';
import type { Toxic } from './toxic.js';

export const slowCloseAttributes = z.object({
  /** How long the end of the stream (FIN) is held back, in milliseconds. @default 0 */
  delay: integerAttribute(0),
});
export type SlowCloseAttributes = z.infer<typeof slowCloseAttributes>;

/** Forwards data untouched but delays the close of the stream by `delay` ms. */
export const SlowCloseToxic: Toxic<SlowCloseAttributes> = {
  type: 'slow_close',
  attributes: slowCloseAttributes,
  async pipe(stub, { delay }) {
    for (;;) {
      const chunk = await stub.peek();
      if (stub.interrupted) return;
      if (chunk === null) {
        await stub.sleep(delay);
        return;
      }
      stub.forward();
    }
  },
};
