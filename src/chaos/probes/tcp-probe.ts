import { connect } from 'node:net';
import { z } from 'zod';
import type { Probe, ProbeContext } from './probe.js';

export const tcpProbeSpecSchema = z.strictObject({
  type: z.literal('tcp'),
  /** @default "127.0.0.1" */
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535),
  /** @default 1000 */
  timeout_ms: z.number().int().positive().default(1000),
});
export type TcpProbeSpec = z.output<typeof tcpProbeSpecSchema>;

/** Whether a TCP connection opens: true, or false when refused, reset or timed out. */
export class TcpProbe implements Probe {
  readonly type = 'tcp';

  constructor(readonly spec: TcpProbeSpec) {}

  run(ctx: ProbeContext): Promise<unknown> {
    return new Promise<boolean>((resolve) => {
      const socket = connect({ host: this.spec.host, port: this.spec.port });
      const done = (open: boolean): void => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(open);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), this.spec.timeout_ms);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  }
}
