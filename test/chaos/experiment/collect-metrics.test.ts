import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  collectMetrics,
  INTERRUPTED_METRICS_STOP_MS,
  METRICS_STOP_MS,
} from '../../../src/chaos/experiment/collect-metrics.js';
import type { LoadRun } from '../../../src/chaos/load/load.js';
import type { LoadMetrics } from '../../../src/chaos/load/load-metrics.js';
import { TargetMetricsSampler } from '../../../src/chaos/load/target-sampler.js';

/** A load whose stop settles only when told to, and whose result is `result()`. */
function heldLoad(result: () => LoadMetrics): LoadRun & { stopped: () => void } {
  let release = (): void => {};
  const stopping = new Promise<void>((r) => {
    release = r;
  });
  return {
    done: stopping,
    stop: () => stopping,
    live: () => ({ requests: 0, errors: 0, rps: 0, error_rate: 0, p99_ms: 0 }),
    result,
    stopped: () => release(),
  };
}

const tolerance = { error_rate: 0.01, p99_ms: 1000 };

afterEach(() => {
  vi.useRealTimers();
});

describe('collectMetrics', () => {
  it('reads nothing when there is no load and no target', async () => {
    expect(
      await collectMetrics({ load: null, targets: null, windows: [], tolerance, interrupted: false }),
    ).toEqual({ load: null, targets: [] });
  });

  it.each([
    [true, INTERRUPTED_METRICS_STOP_MS],
    [false, METRICS_STOP_MS],
  ])(
    'gives a load that does not stop (interrupted: %s) %i ms, then reads it as it stands',
    async (interrupted, limit) => {
      vi.useFakeTimers();
      const metrics = { marker: true } as unknown as LoadMetrics;
      const result = vi.fn(() => metrics);
      const load = heldLoad(result);
      let settled = false;
      const collecting = collectMetrics({ load, targets: null, windows: [], tolerance, interrupted }).then(
        (m) => {
          settled = true;
          return m;
        },
      );
      await vi.advanceTimersByTimeAsync(limit - 1);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await collecting).toEqual({ load: metrics, targets: [] });
      expect(result).toHaveBeenCalledWith([], tolerance);
    },
  );

  it('says why when the load metrics cannot be read, and still reads the targets', async () => {
    const load = heldLoad(() => {
      throw new Error('no buckets');
    });
    load.stopped();
    const targets = new TargetMetricsSampler([{ name: 'none' }]);
    targets.start();
    const m = await collectMetrics({ load, targets, windows: [], tolerance, interrupted: false });
    expect(m.load).toBeNull();
    expect(m.error).toBe('load metrics: no buckets');
    expect(m.targets).toEqual([
      { name: 'none', cpu_percent_max: null, rss_mb_max: null, event_loop_lag_ms_max: null },
    ]);
  });
});
