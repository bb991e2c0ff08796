import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import { type Gateway, startGateway } from '../../../src/stack/gateway/gateway.js';
import { MixSchedule } from '../../../src/suite/harness/mix-schedule.js';
import { RequestMixLoad } from '../../../src/suite/harness/request-mix-load.js';
import { startUpstreams, type TestUpstream } from '../../stack/gateway/upstreams.js';

describe('MixSchedule', () => {
  it('keeps the weights in every cycle and is the same for the same seed', () => {
    const mix = new MixSchedule(
      [
        { item: 'create', weight: 2 },
        { item: 'list', weight: 1 },
      ],
      42,
    );
    for (let cycle = 0; cycle < 50; cycle++) {
      const types = [0, 1, 2].map((i) => mix.at(cycle * 3 + i));
      expect(types.filter((t) => t === 'create')).toHaveLength(2);
    }
    const again = new MixSchedule(
      [
        { item: 'create', weight: 2 },
        { item: 'list', weight: 1 },
      ],
      42,
    );
    // Asked for out of order, the same answers.
    for (const seq of [149, 3, 77, 0, 150]) expect(again.at(seq)).toBe(mix.at(seq));
  });

  it('ties no type to a position: request n mod 3 (round robin over 3) sees every type, for every seed', () => {
    const rng = new SeededRandom(7);
    for (let s = 0; s < 20; s++) {
      const mix = new MixSchedule(
        [
          { item: 'list', weight: 3 },
          { item: 'slow', weight: 1 },
          { item: 'put', weight: 1 },
        ],
        rng.int(0, 2 ** 31),
      );
      for (let host = 0; host < 3; host++) {
        const seen = new Set<string>();
        for (let n = host; n < 300; n += 3) seen.add(mix.at(n));
        expect([...seen].sort()).toEqual(['list', 'put', 'slow']);
      }
    }
  });
});

describe('RequestMixLoad through a round-robin gateway over 3 hosts', () => {
  let gateway: Gateway | undefined;
  let upstreams: TestUpstream[] = [];
  afterEach(async () => {
    await gateway?.close({ drain: false });
    gateway = undefined;
    await Promise.all(upstreams.map((u) => u.stop()));
    upstreams = [];
  });

  it('every host sees every request type of a 3-entry mix', async () => {
    upstreams = await startUpstreams(['a', 'b', 'c']);
    gateway = await startGateway({
      seed: 1,
      clusters: { api: { hosts: upstreams.map((u) => ({ url: u.url })), balancer: 'round_robin' } },
    });
    const load = new RequestMixLoad({
      baseUrl: gateway.url,
      rate: 100,
      durationMs: 900,
      requests: [
        { name: 'one', path: '/one' },
        { name: 'two', path: '/two' },
        { name: 'three', path: '/three' },
      ],
    });
    const run = load.factory({
      rng: new SeededRandom(1234),
      signal: new AbortController().signal,
      origin: performance.now(),
    });
    await run.done;
    expect(load.log.length).toBeGreaterThanOrEqual(60);
    expect(load.log.every((e) => e.ok)).toBe(true);
    for (const upstream of upstreams) {
      const paths = new Set(upstream.seen.map((r) => r.url));
      expect([...paths].sort(), `host ${upstream.name}`).toEqual(['/one', '/three', '/two']);
    }
  });
});
