import { createRunReport } from '../../src/runner/create-run-report.js';
import { hypothesisOf, metricsOf } from '../../src/runner/journal-metrics.js';
import type { RunReport, ScenarioResult } from '../../src/runner/run-report.js';
import { sampleJournal } from './fixtures.js';

function result(
  partial: Partial<ScenarioResult> & Pick<ScenarioResult, 'id' | 'status' | 'category'>,
): ScenarioResult {
  const journal = partial.journal ?? null;
  return {
    name: partial.id.split('.')[1] ?? partial.id,
    title: partial.id,
    target: 'faultline',
    started_at: journal ? '2026-11-25T10:00:00.000Z' : null,
    duration_ms: journal ? 10_000 : 0,
    seed: journal ? 7 : null,
    weight: 1,
    hypothesis: hypothesisOf(journal),
    metrics: metricsOf(journal),
    journal,
    ...partial,
  };
}

/** A run report with one result of every status (two skips: skipped and not_run). */
export function sampleReport(): RunReport {
  const results: ScenarioResult[] = [
    result({
      id: 'service.kills_<service>',
      name: 'kills_<service>',
      title: 'Kill a service <and> watch "it" recover',
      status: 'passed',
      category: 'service',
      journal: sampleJournal(),
    }),
    result({
      id: 'latency.slow',
      status: 'failed',
      category: 'latency',
      reason: 'steady state not met during the fault: p <99> = "0.42"',
      journal: sampleJournal({ deviated: true, title: 'slow' }),
    }),
    result({ id: 'cache.boom', status: 'error', category: 'cache', reason: 'threw boom & bust' }),
    result({
      id: 'database.etcd',
      status: 'skipped',
      category: 'database',
      reason: 'needs etcd: etcd not found',
      provide: 'apt-get install -y etcd-server',
    }),
    result({
      id: 'service.later',
      status: 'not_run',
      category: 'service',
      reason: 'stopped after 5 failed scenarios (--max-failures 5)',
    }),
  ];
  return createRunReport({
    version: '0.1.0',
    startedAt: new Date('2026-11-25T10:00:00.000Z'),
    endedAt: new Date('2026-11-25T10:00:25.000Z'),
    seed: 42,
    environment: 'chaos_test',
    outcome: 'max_failures',
    exitCode: 1,
    options: { categories: [] },
    results,
  });
}
