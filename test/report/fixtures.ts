import type { Journal } from '../../src/chaos/experiment/journal.js';
import type { TimelinePoint } from '../../src/chaos/load/load-metrics.js';
import { SeededRandom } from '../../src/common/rng.js';

/**
 * Journals shaped like the engine's, for report and runner tests: 10 s of load at ~200 rps,
 * a fault from 3 s to 6 s that raises errors and p99, recovery 800 ms after the revert.
 */
export function sampleJournal(
  options: { title?: string; deviated?: boolean; status?: Journal['status']; seed?: number } = {},
): Journal {
  const rng = new SeededRandom(options.seed ?? 7);
  const timeline: TimelinePoint[] = [];
  for (let t = 0; t < 10_000; t += 100) {
    const faulty = t >= 3000 && t < 6800;
    const rps = 200 + rng.int(-15, 15);
    timeline.push({
      t_ms: t,
      rps: faulty ? rps * 0.7 : rps,
      error_rate: faulty ? (options.deviated ? 0.4 : 0.08) + rng.next() * 0.05 : 0,
      p50_ms: faulty ? 40 : 3,
      p99_ms: faulty ? 180 + rng.int(0, 60) : 8 + rng.int(0, 4),
    });
  }
  const deviated = options.deviated ?? false;
  const probe = (met: boolean, at: number) => ({
    name: 'error rate below 5%',
    status: 'succeeded' as const,
    tolerance_met: met,
    value: met ? 0.01 : 0.42,
    at_ms: at,
    duration_ms: 2,
  });
  return {
    schema_version: 1,
    title: options.title ?? 'Service crash <recovers> & "keeps" serving',
    description: 'fixture',
    category: 'service',
    tags: [],
    seed: options.seed ?? 7,
    status: options.status ?? 'completed',
    deviated,
    started_at: '2026-11-25T10:00:00.000Z',
    ended_at: '2026-11-25T10:00:10.000Z',
    duration_ms: 10_000,
    steady_states: {
      before: { phase: 'before', at_ms: 0, met: true, probes: [probe(true, 0)] },
      during: [
        { phase: 'during', at_ms: 3500, met: true, probes: [probe(true, 3500)] },
        { phase: 'during', at_ms: 4500, met: !deviated, probes: [probe(!deviated, 4500)] },
      ],
      after: { phase: 'after', at_ms: 9500, met: !deviated, probes: [probe(!deviated, 9500)] },
    },
    run: [
      {
        name: 'kill service',
        type: 'action',
        status: 'succeeded',
        background: false,
        start_ms: 3000,
        end_ms: 3010,
        duration_ms: 10,
      },
    ],
    rollbacks: [],
    faults: [
      {
        id: 'f1',
        kind: 'process.kill',
        name: 'kill service-a',
        target: 'service-a',
        params: { signal: 'SIGKILL' },
        injected_at: '2026-11-25T10:00:03.000Z',
        injected_ms: 3000,
        reverted_at: '2026-11-25T10:00:06.000Z',
        revert_started_ms: 5900,
        reverted_ms: 6000,
        revert_reason: 'completed',
      },
    ],
    metrics: {
      load: {
        requests: 1900,
        errors: 60,
        error_rate: 0.031,
        dropped: 0,
        latency_ms: { p50: 3, p90: 20, p99: 190, p999: 240, max: 260, mean: 12 },
        status_codes: { '200': 1840, '502': 60 },
        error_rate_under_fault: deviated ? 0.42 : 0.1,
        p99_under_fault_ms: 230,
        time_to_detect_ms: 100,
        time_to_recover_ms: 800,
        timeline,
      },
      targets: [
        {
          name: 'service-a',
          pid: 4242,
          cpu_percent_max: 37.5,
          rss_mb_max: 61.2,
          event_loop_lag_ms_max: null,
        },
      ],
      custom: { restarts: 1 },
    },
  };
}
