import { describe, expect, it } from 'vitest';
import { TcpProbe } from '../../../src/chaos/probes/index.js';
import {
  AvailableMemoryCondition,
  HostCpuCondition,
  ProbeCondition,
  readHostCpuTimes,
  readHostMemory,
  type StopCondition,
  StopConditionMonitor,
  type StopConditionTrip,
} from '../../../src/chaos/safety/index.js';
import { SeededRandom } from '../../../src/common/rng.js';
import { TestService } from '../experiment/test-servers.js';

const signal = new AbortController().signal;

describe('HostCpuCondition', () => {
  it('trips only after the CPU stays hot for sustainMs', async () => {
    // Scripted cumulative CPU times: each step adds 100 units of time, `busy` of them busy.
    let now = 0;
    const times = { busy: 0, total: 0 };
    const cond = new HostCpuCondition({
      thresholdPercent: 95,
      sustainMs: 10_000,
      readTimes: () => ({ ...times }),
      now: () => now,
    });
    const step = async (busy: number, ms: number) => {
      times.busy += busy;
      times.total += 100;
      now += ms;
      return cond.check();
    };
    expect((await step(99, 1000)).tripped).toBe(false); // hot since t=1000
    expect((await step(99, 5000)).tripped).toBe(false); // hot for 5 s
    expect((await step(50, 1000)).tripped).toBe(false); // cooled: resets
    expect((await step(96, 1000)).tripped).toBe(false);
    expect((await step(96, 9000)).tripped).toBe(false); // hot for 9 s
    const r = await step(97, 1000); // hot for 10 s
    expect(r.tripped).toBe(true);
    expect(r.detail).toMatch(/host CPU 97.0 % >= 95 % for 10000 ms/);
  });

  it('reads real host CPU times', async () => {
    const t = readHostCpuTimes();
    expect(t.total).toBeGreaterThan(0);
    expect(t.busy).toBeGreaterThanOrEqual(0);
    expect(t.busy).toBeLessThanOrEqual(t.total);
    const r = await new HostCpuCondition().check();
    expect(r.detail).toMatch(/^host CPU \d+(\.\d)? %/);
  });
});

describe('AvailableMemoryCondition', () => {
  it('trips under the minimum share of available memory', async () => {
    const low = new AvailableMemoryCondition({
      minAvailablePercent: 10,
      read: () => ({ availableBytes: 9, totalBytes: 100 }),
    });
    expect(await low.check()).toEqual({ tripped: true, detail: 'available memory 9.0 % (minimum 10 %)' });
    const fine = new AvailableMemoryCondition({ read: () => ({ availableBytes: 10, totalBytes: 100 }) });
    expect((await fine.check()).tripped).toBe(false);
  });

  it('reads real host memory', () => {
    const m = readHostMemory();
    expect(m.totalBytes).toBeGreaterThan(0);
    expect(m.availableBytes).toBeGreaterThan(0);
    expect(m.availableBytes).toBeLessThanOrEqual(m.totalBytes);
  });
});

describe('ProbeCondition', () => {
  it('trips after N consecutive misses of a real probe', async () => {
    const service = await TestService.start();
    try {
      const cond = new ProbeCondition({
        name: 'port open',
        probe: new TcpProbe({ type: 'tcp', host: '127.0.0.1', port: service.port, timeout_ms: 1000 }),
        tolerance: true,
        consecutive: 2,
        context: { rng: new SeededRandom(1), load: null, processes: { pidOf: () => undefined } },
      });
      expect((await cond.check(signal)).tripped).toBe(false);
      await service.closePort();
      expect(await cond.check(signal)).toEqual({
        tripped: false,
        detail: 'probe value false outside tolerance (1/2)',
      });
      await service.reopenPort();
      expect((await cond.check(signal)).tripped).toBe(false); // a hit resets the count
      await service.closePort();
      expect((await cond.check(signal)).tripped).toBe(false);
      expect((await cond.check(signal)).tripped).toBe(true);
    } finally {
      await service.stop();
    }
  });
});

describe('StopConditionMonitor', () => {
  it('reports the first trip once and stops checking', async () => {
    let checks = 0;
    const flaky: StopCondition = {
      name: 'third time',
      check: async () => {
        checks++;
        return { tripped: checks >= 3, detail: `check ${checks}` };
      },
    };
    const broken: StopCondition = {
      name: 'broken',
      check: async () => {
        throw new Error('guard crashed');
      },
    };
    const trips: StopConditionTrip[] = [];
    const tripped = new Promise<void>((resolve) => {
      new StopConditionMonitor([flaky, broken], {
        intervalMs: 10,
        onTrip: (t) => {
          trips.push(t);
          resolve();
        },
      }).start();
    });
    await tripped;
    await new Promise((r) => setTimeout(r, 50));
    expect(trips).toEqual([{ condition: 'third time', detail: 'check 3' }]);
    expect(checks).toBe(3);
  });

  it('stop() ends the checks', async () => {
    let checks = 0;
    const monitor = new StopConditionMonitor(
      [{ name: 'n', check: async () => ({ tripped: false, detail: String(++checks) }) }],
      { intervalMs: 10, onTrip: () => {} },
    ).start();
    while (checks < 2) await new Promise((r) => setTimeout(r, 5));
    await monitor.stop();
    const at = checks;
    await new Promise((r) => setTimeout(r, 50));
    expect(checks).toBe(at);
  });
});
