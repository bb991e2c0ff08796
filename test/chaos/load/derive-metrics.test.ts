import { describe, expect, it } from 'vitest';
import { deriveLoadMetrics, LoadRecorder } from '../../../src/chaos/load/index.js';

/**
 * The derivations on a recorder fed known outcomes (the real recorder and histograms, with
 * times chosen by the test so each bucket's content is exact).
 */
function recorderWith(buckets: { ok: number; fail: number; latencyMs: number }[]): LoadRecorder {
  const origin = 10_000;
  const r = new LoadRecorder(origin);
  buckets.forEach((b, i) => {
    const n = b.ok + b.fail;
    for (let k = 0; k < n; k++) {
      const at = origin + i * 100 + (k * 100) / n;
      r.record(at, at + b.latencyMs, k < b.ok ? { ok: true, label: '200' } : { ok: false, label: '500' });
    }
  });
  return r;
}

const good = { ok: 10, fail: 0, latencyMs: 5 };
const bad = { ok: 0, fail: 10, latencyMs: 5 };
const slow = { ok: 10, fail: 0, latencyMs: 800 };
const empty = { ok: 0, fail: 0, latencyMs: 0 };
const tol = { error_rate: 0.1, p99_ms: 500, stable_buckets: 3 };

describe('deriveLoadMetrics', () => {
  it('computes timeline points per 100 ms bucket', () => {
    const m = deriveLoadMetrics(recorderWith([good, bad, slow]), [], tol);
    expect(m.timeline.map((p) => [p.t_ms, p.rps, p.error_rate])).toEqual([
      [0, 100, 0],
      [100, 100, 1],
      [200, 100, 0],
    ]);
    expect(m.timeline[2]?.p99_ms).toBeCloseTo(800, 0);
    expect(m.requests).toBe(30);
    expect(m.errors).toBe(10);
    expect(m.status_codes).toEqual({ '200': 20, '500': 10 });
    expect(m.error_rate_under_fault).toBeNull();
    expect(m.time_to_detect_ms).toBeNull();
  });

  it('time to detect: injection to the end of the first breaking bucket', () => {
    const r = recorderWith([good, good, good, bad, bad, good, good, good, good]);
    const m = deriveLoadMetrics(r, [{ start_ms: 250, end_ms: 500 }], tol);
    expect(m.time_to_detect_ms).toBe(150); // bucket 300–400 ends 150 ms after 250
    // Buckets whose midpoint is in [250, 500): 200 (mid 250, good), 300 and 400 (bad).
    expect(m.error_rate_under_fault).toBeCloseTo(20 / 30);
  });

  it('time to recover: revert to the start of the first run of stable buckets, empty buckets neutral', () => {
    const r = recorderWith([good, bad, bad, bad, good, bad, good, empty, good, good, good]);
    const m = deriveLoadMetrics(r, [{ start_ms: 100, end_ms: 400 }], tol);
    // After 400: good(400) bad(500) good(600) empty(700) good(800) good(900): run starts at 600.
    expect(m.time_to_recover_ms).toBe(200);
  });

  it('latency breaks tolerance too, and no recovery within the run gives null', () => {
    const r = recorderWith([good, slow, slow, good, slow]);
    const m = deriveLoadMetrics(r, [{ start_ms: 100, end_ms: 300 }], tol);
    expect(m.time_to_detect_ms).toBe(100);
    expect(m.p99_under_fault_ms).toBeCloseTo(800, 0);
    expect(m.error_rate_under_fault).toBe(0);
    expect(m.time_to_recover_ms).toBeNull();
  });

  it('a fault that never breaks tolerance: no detection, recovery at once', () => {
    const r = recorderWith([good, good, good, good, good, good]);
    const m = deriveLoadMetrics(r, [{ start_ms: 100, end_ms: 200 }], tol);
    expect(m.time_to_detect_ms).toBeNull();
    expect(m.time_to_recover_ms).toBe(0);
  });

  it('dropped requests count as errors with no latency', () => {
    const r = new LoadRecorder(0);
    r.recordDropped(50);
    r.record(60, 70, { ok: true, label: '200' });
    const m = deriveLoadMetrics(r, [], tol);
    expect(m).toMatchObject({ requests: 2, errors: 1, dropped: 1, status_codes: { '200': 1, dropped: 1 } });
    expect(m.timeline[0]).toMatchObject({ rps: 10, error_rate: 0.5 });
    expect(m.latency_ms.max).toBeCloseTo(10, 1);
  });
});
