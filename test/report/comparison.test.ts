import { describe, expect, it } from 'vitest';
import { comparisonMarkdown, comparisonOf, isComparison } from '../../src/report/comparison.js';
import { renderHtmlReport } from '../../src/report/html.js';
import { renderJunitReport } from '../../src/report/junit.js';
import { formatSummary } from '../../src/report/terminal.js';
import { createRunReport } from '../../src/runner/create-run-report.js';
import type { RunReport, ScenarioResult } from '../../src/runner/run-report.js';
import { sampleReport } from './sample-report.js';

/** The sample's passed and failed results on faultline, haproxy (failed) and nginx (skipped). */
function threeTargets(): RunReport {
  const base = sampleReport().results.filter((r) => r.status === 'passed' || r.status === 'failed');
  const on = (r: ScenarioResult, target: string, extra: Partial<ScenarioResult> = {}): ScenarioResult => ({
    ...r,
    target,
    ...extra,
  });
  const results = base.flatMap((r) => [
    on(r, 'faultline'),
    on(r, 'haproxy', { status: 'failed', reason: 'failed idempotent requests was 12, expected ≤ 0' }),
    on(r, 'nginx', {
      status: 'skipped',
      reason: 'needs active_health_checks on nginx: nginx open source has no active health checks',
      journal: null,
      started_at: null,
      metrics: { ...r.metrics, error_rate_under_fault: null, p99_under_fault_ms: null, p99_ms: null },
    }),
  ]);
  return createRunReport({
    version: '0.1.0',
    startedAt: new Date('2026-11-25T10:00:00.000Z'),
    endedAt: new Date('2026-11-25T10:01:00.000Z'),
    seed: 7,
    environment: 'chaos_test',
    outcome: 'completed',
    exitCode: 1,
    options: {},
    results,
    targets: ['faultline', 'haproxy', 'nginx'],
  });
}

describe('comparison of targets', () => {
  it('is scenario × target with a score per target, only for a run with targets', () => {
    expect(isComparison(sampleReport())).toBe(false);
    const c = comparisonOf(threeTargets());
    expect(c.targets).toEqual(['faultline', 'haproxy', 'nginx']);
    expect(c.rows.map((r) => r.name)).toEqual(['kills_<service>', 'slow']);
    expect(c.rows[0]?.cells.nginx?.status).toBe('skipped');
    expect(c.scores.nginx).toBeNull();
    expect(c.scores.faultline).not.toBeNull();
  });

  it('renders as Markdown: verdicts, measurements, the capability a skip lacks, scores', () => {
    const md = comparisonMarkdown(comparisonOf(threeTargets()));
    const lines = md.trim().split('\n');
    expect(lines[0]).toBe('| scenario | faultline | haproxy | nginx |');
    expect(lines[2]).toMatch(
      /^\| service\/kills_<service> \| PASS err [\d.]+% · p99 [\d.]+ m?s.* \| FAIL .* \| SKIP \(no active_health_checks\) \|$/,
    );
    expect(lines.at(-2)).toMatch(
      /^\| \*\*resilience score\*\* \| \*\*\d+\*\* \| \*\*\d+\*\* \| \*\*-\*\* \|$/,
    );
    expect(lines.at(-1)).toBe('| scenarios run | 2 of 2 | 2 of 2 | 0 of 2 |');
  });

  it('shows in the terminal summary, the HTML and the JUnit reports', () => {
    const report = threeTargets();
    const terminal = formatSummary(report);
    expect(terminal).toMatch(/service\/kills_<service>\s+faultline\s+passed/);
    expect(terminal).toMatch(/\n\s+haproxy\s+failed/);
    expect(terminal).toContain(
      'failed service/kills_<service> on haproxy: failed idempotent requests was 12',
    );
    expect(terminal).toMatch(
      /resilience score by target: faultline \d+ \(2 of 2 ran\) \| haproxy \d+ \(2 of 2 ran\) \| nginx - \(0 of 2 ran\)/,
    );

    const html = renderHtmlReport(report);
    expect(html).toContain('<h2>Targets side by side</h2>');
    expect(html).toContain('<th>faultline</th><th>haproxy</th><th>nginx</th>');
    expect(html).toContain(
      'title="needs active_health_checks on nginx: nginx open source has no active health checks"',
    );
    expect(html).toContain('id="s-service-kills_-service--haproxy"');

    const junit = renderJunitReport(report);
    expect(junit).toContain('name="kills_&lt;service&gt; on haproxy"');
    expect(junit).toContain('<property name="targets" value="faultline,haproxy,nginx"/>');
    expect(junit).toMatch(/<property name="resilience_score\.nginx" value=""\/>/);
    expect(junit).toContain('scenario × target');
  });

  it('leaves a faultline-only run as before (no target column, no comparison)', () => {
    const report = sampleReport();
    expect(formatSummary(report)).toMatch(/^CATEGORY\s+SCENARIO\s+STATUS/);
    expect(renderHtmlReport(report)).not.toContain('Targets side by side');
    expect(renderJunitReport(report)).not.toContain(' on faultline');
  });
});
