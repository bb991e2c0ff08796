import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  LogBuffer,
  type ManagedProcess,
  ProcessSupervisor,
  type Readiness,
  tcpOpen,
  waitForReadiness,
} from '../../../src/chaos/process/index.js';
import { nodeArgs, slowHttpServerScript, slowReadyScript } from './fixtures.js';

/**
 * Regression: the log buffer outlives restarts, and a log readiness check used to match the
 * previous run's ready line, so restart() (and a revive after kill) resolved before the new
 * child was ready. Each start of these children becomes ready only DELAY_MS after it began.
 */
const DELAY_MS = 300;

let supervisor: ProcessSupervisor | undefined;
afterEach(async () => {
  await supervisor?.stopAll(500);
  supervisor = undefined;
});

function slowLogChild(): Promise<ManagedProcess> {
  supervisor = new ProcessSupervisor();
  return supervisor.spawn({
    name: 'slow',
    command: process.execPath,
    args: nodeArgs(slowReadyScript, DELAY_MS),
    ready: { type: 'log', pattern: /^ready \d+$/ },
    kill_grace_ms: 500,
  });
}

/** The ready lines (their pids) printed by the current run only. */
function readyPidsOfCurrentRun(child: ManagedProcess): number[] {
  return child.logs
    .tail(undefined, child.logs.generation)
    .filter((l) => l.startsWith('ready '))
    .map((l) => Number(l.split(' ')[1]));
}

describe('readiness after a restart considers only the new run', () => {
  it('restart() with a log check waits for the NEW ready line', async () => {
    const child = await slowLogChild();
    const before = child.pid!;
    expect(readyPidsOfCurrentRun(child)).toEqual([before]);
    const starts: number[] = [];
    child.onStart(({ pid }) => starts.push(pid));

    const began = performance.now();
    await child.restart();
    const took = performance.now() - began;

    const after = child.pid!;
    expect(after).not.toBe(before);
    // Deterministic part: when restart() resolved, the new pid had already said it is ready.
    expect(readyPidsOfCurrentRun(child)).toEqual([after]);
    expect(starts).toEqual([after]);
    // The new child cannot print before DELAY_MS after it started, which is after `began`.
    expect(took).toBeGreaterThanOrEqual(DELAY_MS);
    // Earlier runs' output is kept for diagnostics, labelled with its generation.
    const readyLines = child.logs.entries().filter((e) => e.line.startsWith('ready '));
    expect(readyLines.map((e) => [e.line, e.generation])).toEqual([
      [`ready ${before}`, 1],
      [`ready ${after}`, 2],
    ]);
  });

  it('a revive after kill (start() again, as process.kill does) waits for the new ready line', async () => {
    const child = await slowLogChild();
    const before = child.pid!;
    await child.kill();
    const began = performance.now();
    await child.start();
    const took = performance.now() - began;
    expect(child.pid).not.toBe(before);
    expect(readyPidsOfCurrentRun(child)).toEqual([child.pid]);
    expect(took).toBeGreaterThanOrEqual(DELAY_MS);
  });

  it('restarts twice in a row, each time waiting for that run', async () => {
    const child = await slowLogChild();
    for (let i = 0; i < 2; i++) {
      const began = performance.now();
      await child.restart();
      expect(performance.now() - began).toBeGreaterThanOrEqual(DELAY_MS);
      expect(readyPidsOfCurrentRun(child)).toEqual([child.pid]);
    }
    expect(child.logs.generation).toBe(3);
  });

  for (const kind of ['tcp', 'http'] as const) {
    it(`${kind} readiness is unaffected: restart waits until the new child listens`, async () => {
      supervisor = new ProcessSupervisor();
      const port = await freePort();
      const ready: Readiness =
        kind === 'tcp' ? { type: 'tcp', port } : { type: 'http', url: `http://127.0.0.1:${port}/` };
      const child = await supervisor.spawn({
        name: kind,
        command: process.execPath,
        args: nodeArgs(slowHttpServerScript, port, DELAY_MS),
        ready,
        kill_grace_ms: 500,
      });
      const before = child.pid!;
      // The port accepts before the child's 'listening' line has crossed the pipe (a SIGTERM
      // right away could even beat the print): wait for it, so the first run's output is known.
      const listening = { type: 'log', pattern: 'listening' } as const;
      await waitForReadiness(listening, child.logs, AbortSignal.timeout(5000));
      const began = performance.now();
      await child.restart();
      expect(performance.now() - began).toBeGreaterThanOrEqual(DELAY_MS);
      expect(child.pid).not.toBe(before);
      expect(child.state).toBe('running');
      expect(await tcpOpen('127.0.0.1', port)).toBe(true);
      expect(child.logs.generation).toBe(2);
      await waitForReadiness(listening, child.logs, AbortSignal.timeout(5000));
      expect(child.logs.tail(undefined, 2)).toEqual([`listening ${port}`]);
      expect(child.logs.tail(undefined, 1)).toEqual([`listening ${port}`]);
    });
  }
});

describe('LogBuffer generations', () => {
  it('labels lines by generation and never joins an old run’s partial line to a new run’s output', () => {
    const logs = new LogBuffer(10);
    expect(logs.generation).toBe(0);
    const first = logs.beginGeneration();
    logs.write('stdout', 'one\ntrail', first);
    const second = logs.beginGeneration();
    logs.write('stdout', 'two\n', second);
    logs.write('stdout', 'ing\n', first); // the old run's late bytes finish its own line
    logs.write('stdout', 'half'); // default: the latest generation
    logs.end(second);
    logs.end(second); // idempotent
    expect(logs.entries().map((e) => [e.line, e.generation])).toEqual([
      ['one', 1],
      ['two', 2],
      ['trailing', 1],
      ['half', 2],
    ]);
    expect(logs.tail(undefined, first)).toEqual(['one', 'trailing']);
    expect(logs.tail(1, second)).toEqual(['half']);
  });

  it('a log check ignores earlier generations, even lines an old run writes late', async () => {
    const logs = new LogBuffer();
    logs.write('stdout', 'ready\n', logs.beginGeneration());
    const gen = logs.beginGeneration();
    let resolved = false;
    const wait = waitForReadiness({ type: 'log', pattern: 'ready' }, logs, AbortSignal.timeout(5000)).then(
      () => {
        resolved = true;
      },
    );
    logs.write('stdout', 'ready again\n', gen - 1);
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    logs.write('stdout', 'ready\n', gen);
    await wait;
    expect(resolved).toBe(true);
  });

  it('a /g pattern reused across starts still matches (no lastIndex carried over)', async () => {
    const logs = new LogBuffer();
    const pattern = /ready/g;
    logs.write('stdout', 'now ready\n', logs.beginGeneration());
    await expect(
      waitForReadiness({ type: 'log', pattern }, logs, AbortSignal.timeout(1000)),
    ).resolves.toBeUndefined();
    logs.write('stdout', 'ready\n', logs.beginGeneration());
    await expect(
      waitForReadiness({ type: 'log', pattern }, logs, AbortSignal.timeout(1000)),
    ).resolves.toBeUndefined();
  });
});
