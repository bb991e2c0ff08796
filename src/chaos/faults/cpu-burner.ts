import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * Worker threads that spin for `duty` of every `period_ms`, then sleep the rest. Evaluated
 * from source so it runs the same under tsx, vitest and compiled output. `terminate()`
 * interrupts a worker even mid-spin.
 */
const burnerSource = `
const { workerData } = require('node:worker_threads');
const { duty, periodMs } = workerData;
let next = performance.now();
function cycle() {
  const start = performance.now();
  const spinUntil = start + duty * periodMs;
  while (performance.now() < spinUntil) {}
  next += periodMs;
  // Catch up without bursts if we fell behind (the host is busy).
  if (next < performance.now()) next = performance.now();
  if (duty >= 1) setImmediate(cycle);
  else setTimeout(cycle, Math.max(0, next - performance.now()));
}
cycle();
`;

export class CpuBurner {
  private workers: Worker[] = [];

  /** Start `count` burners; resolves once every thread is running. */
  async start(count: number, duty: number, periodMs: number): Promise<void> {
    const started = Array.from({ length: count }, () => {
      const worker = new Worker(burnerSource, { eval: true, workerData: { duty, periodMs } });
      worker.unref();
      this.workers.push(worker);
      return once(worker, 'online');
    });
    await Promise.all(started);
  }

  get running(): number {
    return this.workers.length;
  }

  async stop(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
