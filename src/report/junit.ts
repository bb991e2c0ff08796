import type { RunReport, ScenarioResult } from '../runner/run-report.js';
import { formatMs, formatRate } from './format.js';
import { writeReportFile } from './write-file.js';

/**
 * JUnit XML for CI systems: one <testsuite> per category, one <testcase> per scenario.
 * failed → <failure>, error → <error>, skipped and not_run → <skipped message="...">.
 */
export function renderJunitReport(report: RunReport): string {
  const byCategory = new Map<string, ScenarioResult[]>();
  for (const r of report.results) {
    const list = byCategory.get(r.category) ?? [];
    list.push(r);
    byCategory.set(r.category, list);
  }
  const s = report.summary;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="faultline" tests="${s.total}" failures="${s.failed}" errors="${s.error}" skipped="${s.skipped + s.not_run}" time="${seconds(report.duration_ms)}" timestamp="${attr(report.started_at)}">`,
  ];
  for (const [category, results] of byCategory) {
    const count = (st: ScenarioResult['status']) => results.filter((r) => r.status === st).length;
    const time = results.reduce((sum, r) => sum + r.duration_ms, 0);
    out.push(
      `  <testsuite name="${attr(category)}" tests="${results.length}" failures="${count('failed')}" errors="${count('error')}" skipped="${count('skipped') + count('not_run')}" time="${seconds(time)}" timestamp="${attr(report.started_at)}">`,
      '    <properties>',
      `      <property name="seed" value="${report.seed}"/>`,
      `      <property name="environment" value="${attr(report.environment)}"/>`,
      '    </properties>',
    );
    for (const r of results) out.push(...testcase(r));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

function testcase(r: ScenarioResult): string[] {
  const open = `    <testcase classname="faultline.${attr(r.category)}" name="${attr(r.name)}" time="${seconds(r.duration_ms)}"`;
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
