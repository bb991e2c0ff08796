import { describe, expect, it } from 'vitest';
import { runArrivalSchedule } from '../../../src/chaos/load/index.js';
import { SeededRandom } from '../../../src/common/rng.js';

async function offsets(arrival: 'constant' | 'poisson', seed: number, rate: number, maxCount: number) {
  const times: number[] = [];
  await runArrivalSchedule({
    rate,
    durationMs: 10_000,
    maxCount,
    arrival,
    rng: new SeededRandom(seed),
    signal: new AbortController().signal,
    fire: (_seq, at) => times.push(at),
  });
  return times.map((t) => t - (times[0] as number));
}

describe('runArrivalSchedule', () => {
  it('constant arrivals are evenly spaced from the start', async () => {
    const t = await offsets('constant', 1, 1000, 50);
    expect(t).toHaveLength(50);
    for (const [i, v] of t.entries()) expect(v).toBeCloseTo(i, 6);
  });

  it('poisson arrivals are replayable from the seed and keep the mean rate', async () => {
    const a = await offsets('poisson', 7, 2000, 400);
    const b = await offsets('poisson', 7, 2000, 400);
    const c = await offsets('poisson', 8, 2000, 400);
    expect(a).toHaveLength(400);
    for (const [i, v] of a.entries()) expect(v).toBeCloseTo(b[i] as number, 6);
    expect(a.some((v, i) => Math.abs(v - (c[i] as number)) > 0.01)).toBe(true);
    const meanGap = (a.at(-1) as number) / (a.length - 1);
    expect(meanGap).toBeGreaterThan(0.35);
    expect(meanGap).toBeLessThan(0.65);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    let fired = 0;
    const done = runArrivalSchedule({
      rate: 100,
      durationMs: 60_000,
      maxCount: 1e9,
      arrival: 'constant',
      rng: new SeededRandom(1),
      signal: controller.signal,
      fire: () => {
        if (++fired === 5) controller.abort();
      },
    });
    await done;
    expect(fired).toBe(5);
  });
});
