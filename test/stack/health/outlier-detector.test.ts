import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { outlierDetectionSchema } from '../../../src/stack/health/health-config.js';
import type { HostStateChange } from '../../../src/stack/health/host-health.js';
import { HostSet } from '../../../src/stack/health/host-set.js';
import { OutlierDetector } from '../../../src/stack/health/outlier-detector.js';

function setup(n: number, config: Record<string, unknown>) {
  const set = new HostSet(
    'c',
    Array.from({ length: n }, (_, i) => `h${i}`),
    { slowStart: { windowMs: 0, minWeightPercent: 10 }, panicThresholdPercent: 0 },
  );
  const detector = new OutlierDetector(set, outlierDetectionSchema.parse(config));
  const events: HostStateChange[] = [];
  set.onHostStateChange((e) => events.push(e));
  return { set, detector, events, host: (i: number) => set.hosts[i]! };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('OutlierDetector', () => {
  it('ejects after N consecutive 5xx; a success in between resets the count', () => {
    const { detector, events, host } = setup(2, { consecutive5xx: 3, maxEjectionPercent: 50 });
    detector.record(host(0), 'http_5xx');
    detector.record(host(0), 'http_5xx');
    detector.record(host(0), 'success');
    detector.record(host(0), 'http_5xx');
    detector.record(host(0), 'http_5xx');
    expect(host(0).status).toBe('healthy');
    detector.record(host(0), 'http_5xx');
    expect(host(0).status).toBe('ejected');
    expect(events).toEqual([
      expect.objectContaining({
        host: 'h0',
        from: 'healthy',
        to: 'ejected',
        reason: 'consecutive_5xx',
        timesEjected: 1,
      }),
    ]);
  });

  it('ejects on consecutive gateway failures with its own threshold', () => {
    const { detector, host, events } = setup(2, { consecutive5xx: 10, consecutiveGatewayFailure: 2 });
    detector.record(host(1), 'gateway_failure');
    detector.record(host(1), 'gateway_failure');
    expect(events[0]).toMatchObject({ host: 'h1', reason: 'consecutive_gateway_failure' });
  });

  it('ejects for base × times ejected, capped, and re-admits when the time is up', () => {
    const { detector, host, events } = setup(1, {
      consecutive5xx: 1,
      baseEjectionMs: 100,
      maxEjectionMs: 250,
    });
    const durations: number[] = [];
    for (let round = 0; round < 4; round++) {
      detector.record(host(0), 'http_5xx');
      const ejected = events.at(-1)!;
      expect(ejected.to).toBe('ejected');
      durations.push(ejected.ejectedUntil! - ejected.at);
      vi.advanceTimersByTime(durations.at(-1)! - 1);
      expect(host(0).status).toBe('ejected');
      vi.advanceTimersByTime(1);
      expect(events.at(-1)).toMatchObject({ to: 'healthy', reason: 'ejection_expired' });
    }
    expect(durations).toEqual([100, 200, 250, 250]);
    expect(host(0).timesEjected).toBe(4);
  });

  it('decays times-ejected by one per interval while the host behaves', () => {
    const { detector, host } = setup(1, { consecutive5xx: 1, baseEjectionMs: 10, intervalMs: 1000 });
    detector.start();
    detector.record(host(0), 'http_5xx');
    vi.advanceTimersByTime(10);
    detector.record(host(0), 'http_5xx');
    vi.advanceTimersByTime(20);
    expect(host(0).timesEjected).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(host(0).timesEjected).toBe(1);
    detector.stop();
  });

  it('never ejects more than the max share, but always allows one host', () => {
    const ten = setup(10, { consecutive5xx: 1, maxEjectionPercent: 20 });
    for (let i = 0; i < 10; i++) ten.detector.record(ten.host(i), 'http_5xx');
    expect(ten.set.ejectedCount).toBe(2);

    const three = setup(3, { consecutive5xx: 1, maxEjectionPercent: 10 });
    for (let i = 0; i < 3; i++) three.detector.record(three.host(i), 'http_5xx');
    expect(three.set.ejectedCount).toBe(1);
    expect(three.host(0).status).toBe('ejected');
  });

  it('ejects hosts whose success rate is below mean − k·σ', () => {
    const { detector, host, events } = setup(5, {
      consecutive5xx: 0,
      consecutiveGatewayFailure: 0,
      maxEjectionPercent: 100,
      successRate: { minHosts: 5, minRequests: 20, stdevFactor: 1 },
    });
    for (let i = 0; i < 5; i++) {
      for (let r = 0; r < 20; r++) {
        // h3 fails half its requests, the others one in twenty.
        const fail = i === 3 ? r % 2 === 0 : r === 0;
        detector.record(host(i), fail ? 'http_5xx' : 'success');
      }
    }
    detector.evaluateInterval();
    expect(events.map((e) => [e.host, e.reason])).toEqual([['h3', 'success_rate']]);
  });

  it('does not judge success rates with too few hosts or requests', () => {
    const { detector, host, events } = setup(5, {
      consecutive5xx: 0,
      maxEjectionPercent: 100,
      successRate: { minHosts: 5, minRequests: 100, stdevFactor: 1 },
    });
    for (let i = 0; i < 5; i++)
      for (let r = 0; r < 50; r++) detector.record(host(i), i === 0 ? 'http_5xx' : 'success');
    detector.evaluateInterval();
    expect(events).toEqual([]);
  });
});
