import { describe, expect, it } from 'vitest';
import { LeaseRegistry } from '../../../src/chaos/proxy/lease-registry.js';
import { ToxicCollection, type ToxicRemovalReason } from '../../../src/chaos/proxy/toxic-collection.js';
import { ManualClock } from '../../../src/common/clock.js';

/**
 * The schedules (start_after_ms, duration_ms) on a manual clock, without sockets: what a new
 * connection would start with (`forNewLink`) says whether a toxic acts. leases-and-schedules
 * keeps one real-socket test per behaviour.
 */
function collection() {
  const clock = new ManualClock();
  const removed: string[] = [];
  const toxics = new ToxicCollection({
    links: () => [],
    leases: new LeaseRegistry(),
    clock,
    onRemoved: (t, why: ToxicRemovalReason) => removed.push(`${t.name}:${why}`),
  });
  const active = (name: string): boolean | undefined =>
    toxics.forNewLink().find((t) => t.name === name)?.plan.active;
  return { clock, toxics, removed, active };
}

describe('ToxicCollection schedules', () => {
  it('start_after_ms: listed at once, inactive until the delay has passed', () => {
    const { clock, toxics, active } = collection();
    toxics.add({ name: 'late', type: 'latency', start_after_ms: 400, attributes: { latency: 10 } });
    expect(toxics.list().map((t) => t.name)).toEqual(['late']);
    expect(active('late')).toBe(false);
    clock.advance(399);
    expect(active('late')).toBe(false);
    clock.advance(1);
    expect(active('late')).toBe(true);
  });

  it('duration_ms: active at once, removed as expired when it runs out', () => {
    const { clock, toxics, removed, active } = collection();
    toxics.add({ name: 'brief', type: 'latency', duration_ms: 300, attributes: { latency: 10 } });
    expect(active('brief')).toBe(true);
    clock.advance(299);
    expect(toxics.has('brief')).toBe(true);
    clock.advance(1);
    expect(toxics.has('brief')).toBe(false);
    expect(removed).toEqual(['brief:expired']);
  });

  it('start_after_ms with duration_ms: the duration counts from the start', () => {
    const { clock, toxics, removed, active } = collection();
    toxics.add({
      name: 'window',
      type: 'latency',
      start_after_ms: 100,
      duration_ms: 300,
      attributes: { latency: 10 },
    });
    clock.advance(100);
    expect(active('window')).toBe(true);
    clock.advance(299);
    expect(toxics.has('window')).toBe(true);
    clock.advance(1);
    expect(removed).toEqual(['window:expired']);
  });

  it('a toxic removed before its schedule fires is not brought back or removed twice', () => {
    const { clock, toxics, removed } = collection();
    toxics.add({
      name: 'gone',
      type: 'latency',
      start_after_ms: 100,
      duration_ms: 100,
      attributes: { latency: 10 },
    });
    toxics.remove('gone');
    clock.advance(1000);
    expect(toxics.list()).toEqual([]);
    expect(removed).toEqual(['gone:deleted']);
  });

  it('reset cancels every schedule', () => {
    const { clock, toxics, removed } = collection();
    toxics.add({ name: 'a', type: 'latency', duration_ms: 50, attributes: { latency: 10 } });
    toxics.add({ name: 'b', type: 'latency', start_after_ms: 50, attributes: { latency: 10 } });
    toxics.reset();
    clock.advance(1000);
    expect(removed).toEqual(['a:reset', 'b:reset']);
  });
});
