import { afterEach, describe, expect, it } from 'vitest';
import { installEmergencyHandlers, SafetyController } from '../../../src/chaos/safety/index.js';

const uninstallers: (() => void)[] = [];
afterEach(() => {
  for (const u of uninstallers.splice(0)) u();
});

function setup() {
  const safety = new SafetyController({ env: { ENVIRONMENT: 'test' } });
  const reverted: string[] = [];
  safety.register({
    id: 'f',
    kind: 'test',
    name: 'f',
    revert: async () => {
      reverted.push('f');
    },
  });
  let finalized = false;
  safety.addFinalizer(async () => {
    finalized = true;
  });
  const exits: number[] = [];
  const exited = new Promise<number>((resolve) => {
    uninstallers.push(
      installEmergencyHandlers(safety, {
        signals: ['SIGUSR2'],
        exit: (code) => {
          exits.push(code);
          resolve(code);
        },
      }),
    );
  });
  return { safety, reverted, exits, exited, finalized: () => finalized };
}

// The real-signal path (SIGINT to a child process) is tested in emergency-stop.test.ts; here the
// handler is driven by emitting on `process`, with `exit` captured instead of leaving vitest.
describe('installEmergencyHandlers', () => {
  it('on a signal: reverts everything, runs finalizers, then exits 130', async () => {
    const s = setup();
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await s.exited).toBe(130);
    expect(s.reverted).toEqual(['f']);
    expect(s.finalized()).toBe(true);
    expect(s.safety.stopped).toBe(true);
  });

  it('a second signal exits at once', async () => {
    const s = setup();
    s.safety.register({ id: 'slow', kind: 'test', name: 'slow', revert: () => new Promise(() => {}) });
    process.emit('SIGUSR2', 'SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(s.exits).toEqual([130]);
  });

  it('uninstalling removes every listener it added', () => {
    const before = {
      sig: process.listenerCount('SIGUSR2'),
      exc: process.listenerCount('uncaughtException'),
      rej: process.listenerCount('unhandledRejection'),
    };
    const safety = new SafetyController({ env: { ENVIRONMENT: 'test' } });
    const uninstall = installEmergencyHandlers(safety, { signals: ['SIGUSR2'], exit: () => {} });
    expect(process.listenerCount('SIGUSR2')).toBe(before.sig + 1);
    expect(process.listenerCount('uncaughtException')).toBe(before.exc + 1);
    uninstall();
    expect({
      sig: process.listenerCount('SIGUSR2'),
      exc: process.listenerCount('uncaughtException'),
      rej: process.listenerCount('unhandledRejection'),
    }).toEqual(before);
  });
});
