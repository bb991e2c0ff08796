import { describe, expect, it } from 'vitest';
import { formatSummary, isLiveTerminal, shorten, TerminalView } from '../../src/report/terminal.js';
import type { Scenario } from '../../src/runner/scenario.js';
import { Capture } from '../cli/run-helpers.js';
import { sampleReport } from './sample-report.js';

const scenario = { id: 'service.kill', category: 'service', name: 'kill' } as Scenario;
const report = sampleReport();
const passed = report.results[0];
if (!passed) throw new Error('fixture');

describe('terminal view', () => {
  it('is live only on a TTY outside CI', () => {
    expect(isLiveTerminal({ isTTY: true }, {})).toBe(true);
    expect(isLiveTerminal({ isTTY: true }, { CI: 'true' })).toBe(false);
    expect(isLiveTerminal({ isTTY: true }, { CI: 'false' })).toBe(true);
    expect(isLiveTerminal({ isTTY: false }, {})).toBe(false);
    expect(isLiveTerminal({}, {})).toBe(false);
  });

  it('prints plain lines (no escape codes) when not live', () => {
    const out = new Capture();
    const view = new TerminalView({ stream: out, live: false });
    view.begin(2, 'faultline run: 2 scenarios');
    view.onScenarioStart(scenario);
    view.onPhase(scenario, 'steady_state');
    view.onPhase(scenario, 'inject');
    view.onPhase(scenario, 'inject');
    view.onScenarioEnd({ ...passed, id: 'service.kill', name: 'kill' });
    view.end(report);
    const lines = out.text.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'faultline run: 2 scenarios',
      '[0/2] start  service/kill',
      '[0/2] phase  service/kill: steady state',
      '[0/2] phase  service/kill: inject',
      '[1/2] PASS    service/kill (10 s)',
    ]);
    expect(out.text).not.toContain('\x1b');
  });

  it('redraws running scenarios with elapsed time and phase in place on a TTY', () => {
    const out = new Capture();
    const view = new TerminalView({ stream: out, live: true, color: false, refreshMs: 60_000 });
    view.begin(1, 'header');
    view.onScenarioStart(scenario);
    expect(out.text).toMatch(
      / {2}RUN\s+\d+(\.\d+)? ms\s+setting up\s+service\/kill\n {2}0\/1 done: 0 passed, 0 failed, 0 error, 0 skipped, 0 not run \| \d+(\.\d+)? ms\n$/,
    );
    const before = out.text.length;
    view.onPhase(scenario, 'observe');
    const redraw = out.text.slice(before);
    // cursor up over the block (scenario line + status line), clear to the end, draw again
    expect(redraw.startsWith('\x1b[2A\x1b[0J')).toBe(true);
    expect(redraw).toMatch(/observe\s+service\/kill\n {2}0\/1 done/);
    view.onScenarioEnd({ ...passed, id: 'service.kill', name: 'kill', category: 'service' });
    expect(out.text.endsWith('[1/1] PASS    service/kill (10 s)\n')).toBe(true);
    view.end(report);
    expect(out.text).toContain('CATEGORY');
  });

  it('summarises: category, scenario, status, error rate under fault, p99, recovery', () => {
    const text = formatSummary(report);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^CATEGORY\s+SCENARIO\s+STATUS\s+ERR@FAULT\s+P99@FAULT\s+RECOVERY$/);
    expect(lines[1]).toMatch(/^service\s+kills_<service>\s+passed\s+10%\s+230 ms\s+800 ms$/);
    expect(lines[3]).toMatch(/^cache\s+boom\s+error\s+-\s+-\s+-$/);
    expect(text).toContain(
      'skipped database/etcd: needs etcd: etcd not found (to provide: apt-get install -y etcd-server)',
    );
    expect(text).toContain(
      '5 scenarios: 1 passed, 1 failed, 1 error, 1 skipped, 1 not run | resilience score 50',
    );
    expect(text).toContain('run max failures: exit 1');
    expect(formatSummary(report, { color: true })).toContain('\x1b[32mpassed');
  });

  it('keeps reasons to one short line (the reports keep them whole)', () => {
    expect(shorten('a\n  b')).toBe('a b');
    const long = 'x'.repeat(500);
    expect(shorten(long)).toHaveLength(200);
    expect(shorten(long).endsWith('…')).toBe(true);
    const r = sampleReport();
    const failed = r.results[1];
    if (failed) failed.reason = `first line\n${'y'.repeat(400)}`;
    const text = formatSummary(r);
    const line = text.split('\n').find((l) => l.startsWith('failed latency/slow:'));
    expect(line?.length).toBeLessThanOrEqual(230);
  });
});
