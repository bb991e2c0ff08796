import { describe, expect, it } from 'vitest';
import { hypothesisOf, metricsOf } from '../../src/runner/journal-metrics.js';
import type { ScenarioResult } from '../../src/runner/run-report.js';
import { countStatuses, probeSuccess, resilienceScore, summarize } from '../../src/runner/score.js';
import { sampleJournal } from '../report/fixtures.js';

function result(
  status: ScenarioResult['status'],
  probe: number | null,
  weight = 1,
  category = 'service',
): ScenarioResult {
  return {
    id: `${category}.${status}`,
    name: status,
    title: status,
    category,
    target: 'faultline',
    status,
    started_at: null,
    duration_ms: 0,
    seed: null,
    weight,
    hypothesis: { before: null, after: null, during_met_ratio: null },
    metrics: { ...metricsOf(null), probe_success: probe },
    journal: null,
  };
}

describe('resilience score', () => {
  it('is the share of probes that met tolerance, over before, during and after', () => {
    expect(probeSuccess(sampleJournal())).toBe(1);
    // deviated: before met, during 1 of 2 met, after not met -> 2 of 4
    expect(probeSuccess(sampleJournal({ deviated: true }))).toBe(0.5);
  });

  it('is Σ(weight × probe success %) / Σ weight, errors count 0 and skips are left out', () => {
    const results = [
      result('passed', 1, 3),
      result('failed', 0.5, 1),
      result('error', null, 1),
      result('skipped', null, 5),
      result('not_run', null, 5),
    ];
    // (3×100 + 1×50 + 1×0) / 5 = 70
    expect(resilienceScore(results)).toBe(70);
  });

  it('is null when nothing ran, not 100', () => {
    expect(resilienceScore([result('skipped', null), result('not_run', null)])).toBeNull();
    expect(resilienceScore([])).toBeNull();
  });

  it('judges a run with no probes by its verdict', () => {
    expect(resilienceScore([result('passed', null)])).toBe(100);
    expect(resilienceScore([result('failed', null)])).toBe(0);
  });

  it('counts statuses in total and per category', () => {
    const s = summarize([
      result('passed', 1),
      result('failed', 0, 1, 'cache'),
      result('skipped', null, 1, 'cache'),
    ]);
    expect(s).toMatchObject({
      total: 3,
      passed: 1,
      failed: 1,
      skipped: 1,
      error: 0,
      not_run: 0,
      resilience_score: 50,
    });
    expect(s.by_category.cache).toMatchObject({ total: 2, failed: 1, skipped: 1, resilience_score: 0 });
    expect(s.by_category.service).toMatchObject({ total: 1, passed: 1, resilience_score: 100 });
    expect(countStatuses([]).total).toBe(0);
  });
});

describe('journal metrics', () => {
  it('extracts hypothesis outcomes and headline metrics', () => {
    const j = sampleJournal({ deviated: true });
    expect(hypothesisOf(j)).toEqual({ before: true, after: false, during_met_ratio: 0.5 });
    expect(metricsOf(j)).toMatchObject({
      requests: 1900,
      error_rate_under_fault: 0.42,
      p99_ms: 190,
      p99_under_fault_ms: 230,
      time_to_recover_ms: 800,
      probe_success: 0.5,
      custom: { restarts: 1 },
    });
    expect(hypothesisOf(null)).toEqual({ before: null, after: null, during_met_ratio: null });
  });
});
