import type { ControlResult, RunReport, ScenarioResult } from '../runner/run-report.js';
import { cellText, comparisonOf, isComparison } from './comparison.js';
import { formatMs, formatRate } from './format.js';
import { writeReportFile } from './write-file.js';

/**
 * JUnit XML for CI systems: one <testsuite> per category, one <testcase> per scenario.
 * failed → <failure>, error → <error>, skipped and not_run → <skipped message="...">.
 */
export function renderJunitReport(report: RunReport): string {
  // Several targets: each testcase is named `<scenario> on <target>`, each suite carries the
  // targets and their scores as properties and its rows of the comparison table as system-out.
  const compare = isComparison(report);
  const comparison = compare ? comparisonOf(report) : undefined;
  const byCategory = new Map<string, ScenarioResult[]>();
  for (const r of report.results) {
    const list = byCategory.get(r.category) ?? [];
    list.push(r);
    byCategory.set(r.category, list);
  }
  const s = report.summary;
  // Controls are testcases too: one per control, failed when the control did not fail.
  const controls = (rs: readonly ScenarioResult[]) => rs.flatMap((r) => r.controls ?? []);
  const unproven = (rs: readonly ScenarioResult[]) => controls(rs).filter((c) => !c.proven).length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="faultline" tests="${s.total + controls(report.results).length}" failures="${s.failed + unproven(report.results)}" errors="${s.error}" skipped="${s.skipped + s.not_run}" time="${seconds(report.duration_ms)}" timestamp="${attr(report.started_at)}">`,
  ];
  for (const [category, results] of byCategory) {
    const count = (st: ScenarioResult['status']) => results.filter((r) => r.status === st).length;
    const time = results.reduce((sum, r) => sum + r.duration_ms, 0);
    out.push(
      `  <testsuite name="${attr(category)}" tests="${results.length + controls(results).length}" failures="${count('failed') + unproven(results)}" errors="${count('error')}" skipped="${count('skipped') + count('not_run')}" time="${seconds(time)}" timestamp="${attr(report.started_at)}">`,
      '    <properties>',
      `      <property name="seed" value="${report.seed}"/>`,
      `      <property name="environment" value="${attr(report.environment)}"/>`,
      ...(comparison
        ? [
            `      <property name="targets" value="${attr(comparison.targets.join(','))}"/>`,
            ...comparison.targets.map(
              (t) =>
                `      <property name="resilience_score.${attr(t)}" value="${comparison.scores[t] ?? ''}"/>`,
            ),
          ]
        : []),
      '    </properties>',
    );
    for (const r of results) {
      out.push(...testcase(r, compare));
      for (const c of r.controls ?? []) out.push(...controlCase(r, c));
    }
    if (comparison) {
      const rows = comparison.rows.filter((row) => row.category === category);
      const table = rows.map(
        (row) =>
          `${row.name}: ${comparison.targets.map((t) => `${t} ${cellText(row.cells[t]) || '-'}`).join(' | ')}`,
      );
      out.push(`    <system-out>${text(`scenario × target\n${table.join('\n')}`)}</system-out>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

/**
 * A negative control as a testcase of its own (`<scenario>/control:<name>`): it passes when the
 * control failed, as it must; a control that passed is a <failure> (the claim is not proven).
 */
function controlCase(r: ScenarioResult, c: ControlResult): string[] {
  // Controls run on the faultline target only (docs/targets.md).
  const open = `    <testcase classname="faultline.${attr(r.category)}.${attr(r.name)}" name="control:${attr(c.name)}" time="${seconds(c.duration_ms)}"`;
  const what = `${r.title}\nclaim: ${c.claim}\ncontrol: ${c.change}\ncontrol run: ${c.status}${c.reason ? ` - ${c.reason}` : ''}`;
  if (c.proven) return [`${open}>`, `      <system-out>${text(what)}</system-out>`, '    </testcase>'];
  const message = `not proven: "${c.claim}" still holds with ${c.change} (control ${c.status})`;
  return [
    `${open}>`,
    `      <failure message="${attr(message)}" type="not_proven">${text(what)}</failure>`,
    '    </testcase>',
  ];
}

function testcase(r: ScenarioResult, withTarget = false): string[] {
  const name = withTarget ? `${r.name} on ${r.target}` : r.name;
  const open = `    <testcase classname="faultline.${attr(r.category)}" name="${attr(name)}" time="${seconds(r.duration_ms)}"`;
  const metrics = `requests=${r.metrics.requests ?? '-'} error_rate_under_fault=${formatRate(r.metrics.error_rate_under_fault)} p99=${formatMs(r.metrics.p99_under_fault_ms ?? r.metrics.p99_ms)} recovery=${formatMs(r.metrics.time_to_recover_ms)} seed=${r.seed ?? '-'}`;
  const reason = r.reason ?? r.status;
  switch (r.status) {
    case 'passed':
      return [
        `${open}>`,
        `      <system-out>${text(`${r.title}\n${metrics}`)}</system-out>`,
        '    </testcase>',
      ];
    case 'failed':
      return [
        `${open}>`,
        `      <failure message="${attr(reason)}" type="deviated">${text(`${r.title}\n${reason}\n${metrics}`)}</failure>`,
        '    </testcase>',
      ];
    case 'error':
      return [
        `${open}>`,
        `      <error message="${attr(reason)}" type="error">${text(`${r.title}\n${reason}`)}</error>`,
        '    </testcase>',
      ];
    default: {
      const message =
        r.status === 'not_run'
          ? `not run: ${reason}`
          : `${reason}${r.provide ? ` (to provide: ${r.provide})` : ''}`;
      return [`${open}>`, `      <skipped message="${attr(message)}"/>`, '    </testcase>'];
    }
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Drops characters XML 1.0 cannot carry at all (control characters, lone surrogates). */
function xmlSafe(s: string): string {
  return s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
}

function text(s: string): string {
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

export function writeJunitReport(file: string, report: RunReport): Promise<string> {
  return writeReportFile(file, renderJunitReport(report));
}
