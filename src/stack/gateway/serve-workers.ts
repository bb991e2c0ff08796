import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import { UsageError } from '../../common/errors.js';

/** What a worker tells the primary once both of its ports listen. */
export interface WorkerListening {
  readonly event: 'listening';
  readonly port: number;
  readonly adminPort: number;
  readonly url: string;
  readonly adminUrl: string;
}

/** `--workers`: a count ≥ 1 or `auto` (one per core, `os.availableParallelism()`, as nginx's `worker_processes auto`). */
export function parseWorkers(value: string): number {
  if (value === 'auto') return os.availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw new UsageError(`--workers: expected a count of at least 1 or "auto", got "${value}"`);
  return n;
}

export interface ServeWorkersOptions {
  workers: number;
  /** Where the JSON event lines go. @default process.stdout */
  out?: NodeJS.WritableStream;
}

/**
 * The primary of `faultline gateway --workers N` (node:cluster): forks N workers that each run
 * a whole gateway on the same listen and admin ports (the primary hands connections out round
 * robin), announces one `{"event":"listening",…,"workers":N,"pids":[…]}` line once every worker
 * listens, restarts a worker that dies unexpectedly, and on SIGTERM/SIGINT has every worker
 * drain, then announces `{"event":"stopped"}`. Resolves to the exit code (1 when a worker could
 * not start: the same failure every worker would hit).
 *
 * Every policy's state is per worker; see docs/gateway.md "Workers".
 */
export async function serveWorkers(options: ServeWorkersOptions): Promise<number> {
  const out = options.out ?? process.stdout;
  let stopping = false;
  const listening = new Map<Worker, WorkerListening>();
  let announced = false;

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (msg: WorkerListening) => {
      if (msg?.event !== 'listening') return;
      listening.set(worker, msg);
      if (!announced && listening.size === options.workers) {
        announced = true;
        const first = [...listening.values()][0] as WorkerListening;
        out.write(
          `${JSON.stringify({
            event: 'listening',
            port: first.port,
            admin_port: first.adminPort,
            url: first.url,
            admin_url: first.adminUrl,
            pid: process.pid,
            workers: options.workers,
            pids: [...listening.keys()].map((w) => w.process.pid),
          })}\n`,
        );
      }
    });
    return worker;
  };

  return new Promise<number>((resolve) => {
    let exitCode = 0;
    const finishIfDone = (): void => {
      if (Object.keys(cluster.workers ?? {}).length > 0) return;
      out.write(`${JSON.stringify({ event: 'stopped' })}\n`);
      resolve(exitCode);
    };
    const stop = (signal: string, code = 0): void => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      out.write(`${JSON.stringify({ event: 'draining', signal, workers: listening.size })}\n`);
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      finishIfDone();
    };
    cluster.on('exit', (worker, code) => {
      listening.delete(worker);
      if (stopping) return finishIfDone();
      if (!announced) {
        // A worker that cannot start (port in use, bad config) fails alike in every worker.
        return stop('worker-start-failed', code === 2 ? 2 : 1);
      }
      fork(); // a crash after start: replace the worker, as nginx's master does
    });
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    for (let i = 0; i < options.workers; i++) fork();
  });
}
