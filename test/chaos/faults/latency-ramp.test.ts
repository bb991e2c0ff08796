import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFault, type LatencyRampFault } from '../../../src/chaos/faults/index.js';
import type { ProxyServer } from '../../../src/chaos/proxy/index.js';
import { faultContext } from './helpers.js';
import { type ProxiedUpstream, startProxiedUpstream, timedGet } from './proxied-upstream.js';

let fixture: ProxiedUpstream;
let proxy: ProxyServer;
let proxiedUrl: string;

beforeEach(async () => {
  fixture = await startProxiedUpstream('db', 1);
  ({ proxy, url: proxiedUrl } = fixture);
});

afterEach(async () => {
  vi.useRealTimers();
  await fixture.close();
});

function waitForStep(fault: LatencyRampFault, latency: number): Promise<void> {
  return new Promise((resolve) => {
    if (fault.current_ms === latency) return resolve();
    const sub = fault.onStep((ms) => {
      if (ms === latency) {
        sub.dispose();
        resolve();
      }
    });
  });
}

describe('latency_ramp', () => {
  it('raises the latency toxic step by step in place, up to max, and removes it on revert', async () => {
    const fault = createFault({
      kind: 'latency_ramp',
      name: 'ramp',
      proxy: 'db',
      api: proxy.url,
      start_ms: 50,
      step_ms: 100,
      every_ms: 100,
      max_ms: 300,
    }) as LatencyRampFault;
    const steps: number[] = [];
    const seen: number[] = [];
    fault.onStep((ms) => {
      steps.push(ms);
      seen.push(Number(proxy.getToxic('db', 'ramp').attributes.latency));
    });
    await fault.inject(faultContext());
    await waitForStep(fault, 300);
    expect(steps).toEqual([50, 150, 250, 300]);
    // Each step was on the proxy (PATCH, same toxic) when announced.
    expect(seen).toEqual([50, 150, 250, 300]);
    expect(proxy.listToxics('db')).toHaveLength(1);

    expect(await timedGet(proxiedUrl)).toBeGreaterThanOrEqual(295);

    await fault.revert();
    await fault.revert();
    expect(proxy.listToxics('db')).toEqual([]);
  });

  it('stops by itself at max (in-process proxy, fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fault = createFault(
      { kind: 'latency_ramp', proxy: 'db', start_ms: 50, step_ms: 100, every_ms: 100, max_ms: 300 },
      { toxics: proxy },
    ) as LatencyRampFault;
    const steps: number[] = [];
    fault.onStep((ms) => steps.push(ms));
    await fault.inject(faultContext());
    await vi.advanceTimersByTimeAsync(299);
    expect(steps).toEqual([50, 150, 250]);
    await vi.advanceTimersByTimeAsync(1);
    expect(steps).toEqual([50, 150, 250, 300]);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(steps).toEqual([50, 150, 250, 300]);
    expect(proxy.getToxic('db', 'latency_ramp').attributes.latency).toBe(300);
    await fault.revert();
    expect(proxy.listToxics('db')).toEqual([]);
  });

  it('ends quietly when the toxic is removed behind its back (in-process proxy, fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };
    process.on('uncaughtException', onUncaught);
    try {
      const fault = createFault(
        { kind: 'latency_ramp', proxy: 'db', start_ms: 0, step_ms: 10, every_ms: 30, max_ms: 10_000 },
        { toxics: proxy },
      ) as LatencyRampFault;
      await fault.inject(faultContext());
      await vi.advanceTimersByTimeAsync(30);
      expect(fault.current_ms).toBe(10);
      proxy.removeToxic('db', proxy.listToxics('db')[0]!.name);
      const before = fault.current_ms;
      // Several step periods pass: the first would update a toxic that is gone, and ends the ramp.
      await vi.advanceTimersByTimeAsync(200);
      expect(vi.getTimerCount()).toBe(0);
      expect(uncaught).toEqual([]);
      expect(fault.current_ms).toBe(before);
      await fault.revert();
      expect(proxy.listToxics('db')).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('revert mid-ramp stops the steps (in-process proxy, fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fault = createFault(
      { kind: 'latency_ramp', proxy: 'db', start_ms: 0, step_ms: 10, every_ms: 50, max_ms: 10_000 },
      { toxics: proxy },
    ) as LatencyRampFault;
    await fault.inject(faultContext());
    await vi.advanceTimersByTimeAsync(100);
    expect(fault.current_ms).toBe(20);
    await fault.revert();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(fault.current_ms).toBe(20);
    expect(proxy.listToxics('db')).toEqual([]);
  });

  it('rejects max below start', () => {
    expect(() =>
      createFault({
        kind: 'latency_ramp',
        proxy: 'db',
        api: 'http://127.0.0.1:1',
        start_ms: 500,
        max_ms: 100,
      }),
    ).toThrow(/max_ms: max_ms must be >= start_ms/);
  });
});
