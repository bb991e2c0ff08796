import { describe, expect, it } from 'vitest';
import { HostSet } from '../../../src/stack/health/host-set.js';
import { slowStartFactor } from '../../../src/stack/health/slow-start.js';

describe('slowStartFactor', () => {
  it('ramps linearly from the minimum share to 1 over the window', () => {
    const c = { windowMs: 1000, minWeightPercent: 10 };
    expect(slowStartFactor(c, 0)).toBeCloseTo(0.1);
    expect(slowStartFactor(c, 500)).toBeCloseTo(0.55);
    expect(slowStartFactor(c, 1000)).toBe(1);
    expect(slowStartFactor(c, Number.POSITIVE_INFINITY)).toBe(1);
    expect(slowStartFactor({ windowMs: 0, minWeightPercent: 10 }, 0)).toBe(1);
  });
});

describe('HostSet', () => {
  function make(n: number, panicThresholdPercent: number, now = () => 0) {
    const set = new HostSet(
      'c',
      Array.from({ length: n }, (_, i) => `h${i}`),
      { slowStart: { windowMs: 1000, minWeightPercent: 10 }, panicThresholdPercent, now },
    );
    const items = set.hosts.map((health) => ({ health }));
    return { set, items };
  }

  it('offers only healthy hosts, and all of them in panic mode', () => {
    const { set, items } = make(4, 50);
    const panics: boolean[] = [];
    set.onPanicChange((e) => panics.push(e.panic));
    set.setActiveHealthy(set.hosts[0]!, false);
    expect(set.select(items)).toEqual({ hosts: items.slice(1), panic: false });
    set.setActiveHealthy(set.hosts[1]!, false);
    expect(set.select(items).hosts).toHaveLength(2); // 50 % healthy: not below the threshold
    set.eject(set.hosts[2]!, 1e12, 'consecutive_5xx');
    expect(set.select(items)).toEqual({ hosts: items, panic: true });
    set.setActiveHealthy(set.hosts[0]!, true);
    expect(set.select(items).panic).toBe(false);
    expect(panics).toEqual([true, false]);
  });

  it('leaves hosts `usable` rejects (open breakers) out, without counting them toward panic', () => {
    const { set, items } = make(2, 60);
    expect(set.select(items, (i) => i !== items[0])).toEqual({ hosts: [items[1]], panic: false });
    expect(set.select(items, () => false)).toEqual({ hosts: [], panic: false });
  });

  it('slow-starts a host from the moment it becomes healthy again', () => {
    let t = 0;
    const { set } = make(1, 0, () => t);
    const h = set.hosts[0]!;
    expect(set.weightFactor(h)).toBe(1); // at boot: full weight
    set.setActiveHealthy(h, false);
    t = 5000;
    set.setActiveHealthy(h, true);
    expect(set.weightFactor(h)).toBeCloseTo(0.1);
    t = 5500;
    expect(set.weightFactor(h)).toBeCloseTo(0.55);
    t = 6000;
    expect(set.weightFactor(h)).toBe(1);
  });

  it('emits one event per status change, none for no-ops', () => {
    const { set } = make(1, 0);
    const seen: string[] = [];
    set.onHostStateChange((e) => seen.push(`${e.from}->${e.to}:${e.reason}`));
    const h = set.hosts[0]!;
    set.setActiveHealthy(h, true);
    set.eject(h, 10, 'consecutive_5xx');
    set.eject(h, 20, 'consecutive_5xx');
    set.setActiveHealthy(h, false); // still ejected: no visible change
    set.uneject(h, 'ejection_expired');
    set.uneject(h, 'ejection_expired');
    expect(seen).toEqual(['healthy->ejected:consecutive_5xx', 'ejected->unhealthy:ejection_expired']);
  });
});
