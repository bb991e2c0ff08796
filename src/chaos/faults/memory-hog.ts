import { Worker } from 'node:worker_threads';

/**
 * A worker thread that allocates `mb` MiB in 1 MiB buffers and writes every page (untouched
 * pages of a fresh allocation cost no RSS), spread over `rampMs`. The memory counts toward
 * this process's RSS; terminating the worker frees it at once, without waiting for a GC.
 */
const hogSource = `
const { workerData, parentPort } = require('node:worker_threads');
const { mb, rampMs } = workerData;
const held = [];
const started = performance.now();
function step() {
  const due = rampMs > 0 ? Math.min(mb, Math.ceil(((performance.now() - started) / rampMs) * mb)) : mb;
  while (held.length < due) {
    const b = Buffer.allocUnsafeSlow(1024 * 1024);
    for (let i = 0; i < b.length; i += 4096) b[i] = 1;
    held.push(b);
  }
  parentPort.postMessage(held.length);
  if (held.length < mb) setTimeout(step, 10);
  else setInterval(() => {}, 1 << 30);
}
step();
`;

export class MemoryHog {
  private worker: Worker | undefined;
  private heldMb = 0;

  /** Resolves once all `mb` are allocated and touched. */
  async start(mb: number, rampMs: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const worker = new Worker(hogSource, { eval: true, workerData: { mb, rampMs } });
    worker.unref();
    this.worker = worker;
    await new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        worker.off('error', onError);
        signal?.removeEventListener('abort', onAbort);
      };
      const onMessage = (held: number) => {
        this.heldMb = held;
        if (held < mb) return;
        cleanup();
        resolve();
      };
      const onExit = () => {
        cleanup();
        reject(new Error('memory hog worker exited before reaching its level'));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const onAbort = () => {
        cleanup();
        reject(signal?.reason);
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.once('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    worker.on('message', (held: number) => {
      this.heldMb = held;
    });
  }

  get active(): boolean {
    return this.worker !== undefined;
  }

  /** MiB allocated so far. */
  get mb(): number {
    return this.worker ? this.heldMb : 0;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.heldMb = 0;
    await worker?.terminate();
  }
}
