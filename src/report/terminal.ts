import type { RunReport, ScenarioResult } from '../runner/run-report.js';
import type { Phase, Scenario } from '../runner/scenario.js';
import { comparisonOf, isComparison, scoreWithCoverage } from './comparison.js';
import { formatMs, formatRate, formatScore } from './format.js';

/**
 * The terminal report: a live progress view on a TTY (one line per running scenario with its
 * elapsed time and phase, redrawn in place), plain lines otherwise (not a TTY, or CI=true),
 * and a summary table at the end.
 */

export interface TerminalViewOptions {
  /** Where to write (stdout). */
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Redraw in place: default stream.isTTY && !CI. */
  live?: boolean;
  /** ANSI colours: default live && !NO_COLOR. */
  color?: boolean;
  /** Redraw period of the live view (default 200 ms). */
  refreshMs?: number;
  /** Name the target of each scenario (a run with `--target` other than the default). */
  showTargets?: boolean;
}

const PHASE_LABEL: Record<Phase, string> = {
  setup: 'setting up',
  steady_state: 'steady state',
  inject: 'inject',
  observe: 'observe',
  recover: 'recover',
  teardown: 'tearing down',
};

const STATUS_MARK: Record<ScenarioResult['status'], string> = {
  passed: 'PASS',
  failed: 'FAIL',
  error: 'ERROR',
  skipped: 'SKIP',
  not_run: 'NOT RUN',
};

const COLOR: Record<ScenarioResult['status'], string> = {
  passed: '32',
  failed: '31',
  error: '31;1',
  skipped: '33',
  not_run: '90',
};

/** Should the live view be used for this stream and environment? */
export function isLiveTerminal(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return Boolean(stream.isTTY) && !ci;
}

export class TerminalView {
  private readonly stream: TerminalViewOptions['stream'];
  private readonly live: boolean;
  private readonly color: boolean;
  private readonly running = new Map<
    string,
    { scenario: Scenario; target: string; started: number; phase: Phase }
  >();
  private readonly showTargets: boolean;
  private timer: NodeJS.Timeout | undefined;
  private drawnLines = 0;
  private done = 0;
  private readonly counts: Record<ScenarioResult['status'], number> = {
    passed: 0,
    failed: 0,
    error: 0,
    skipped: 0,
    not_run: 0,
  };
  private startedAt = Date.now();
  private total = 0;

  constructor(options: TerminalViewOptions) {
    this.stream = options.stream;
    this.live = options.live ?? isLiveTerminal(options.stream);
    this.color = options.color ?? (this.live && !process.env.NO_COLOR);
    this.showTargets = options.showTargets ?? false;
    if (this.live) {
      this.timer = setInterval(() => this.redraw([]), options.refreshMs ?? 200);
      this.timer.unref();
    }
  }

  /** Announce the run (plain: one line; live: the header). */
  begin(total: number, header: string): void {
    this.total = total;
    this.startedAt = Date.now();
    this.print([header]);
  }

  onScenarioStart = (scenario: Scenario, target = 'faultline'): void => {
    this.running.set(`${scenario.id}@${target}`, { scenario, target, started: Date.now(), phase: 'setup' });
    if (!this.live) this.print([`${this.counter()} start  ${this.label(scenario, target)}`]);
    else this.redraw([]);
  };

  onPhase = (scenario: Scenario, phase: Phase, target = 'faultline'): void => {
    const entry = this.running.get(`${scenario.id}@${target}`);
    if (!entry || entry.phase === phase) return;
    entry.phase = phase;
    if (this.live) this.redraw([]);
    else if (phase !== 'setup' && phase !== 'teardown') {
      this.print([`${this.counter()} phase  ${this.label(scenario, target)}: ${PHASE_LABEL[phase]}`]);
    }
  };

  /** `category/name`, and ` on TARGET` when the run names targets. */
  private label(s: { category: string; name: string }, target: string): string {
    return `${s.category}/${s.name}${this.showTargets ? ` on ${target}` : ''}`;
  }

  onScenarioEnd = (result: ScenarioResult): void => {
    this.running.delete(`${result.id}@${result.target}`);
    this.done += 1;
    this.counts[result.status] += 1;
    const mark = this.paint(STATUS_MARK[result.status].padEnd(8), COLOR[result.status]);
    const took = result.started_at ? ` (${formatMs(result.duration_ms)})` : '';
    const why = result.reason && result.status !== 'passed' ? ` - ${shorten(result.reason)}` : '';
    this.print([
      `${this.counter()} ${mark}${this.label(result, result.target)}${took}${why}`,
      ...proofLines(result).map((l) => `         ${l}`),
    ]);
  };

  /** Stop redrawing and print the summary table. */
  end(report: RunReport): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.running.clear();
    this.print(['', ...formatSummary(report, { color: this.color }).split('\n')]);
  }

  /** Stop redrawing without a summary (e.g. on an early error). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.running.clear();
    this.redraw([]);
  }

  private counter(): string {
    const width = String(this.total).length;
    return `[${String(this.done).padStart(width)}/${this.total}]`;
  }

  private paint(text: string, code: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  private print(lines: string[]): void {
    if (this.live) this.redraw(lines);
    else this.stream.write(lines.map((l) => `${l}\n`).join(''));
  }

  /** Erase the live block, print `permanent` lines above it, draw the block again. */
  private redraw(permanent: string[]): void {
    let out = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\x1b[0J` : '';
    for (const line of permanent) out += `${line}\n`;
    const now = Date.now();
    // Lines must not wrap, or the cursor-up count would be wrong: cut the visible text.
    const width = Math.max(40, (this.stream.columns || 100) - 1);
    const block = [...this.running.values()].map(({ scenario, target, started, phase }) => {
      const elapsed = formatMs(now - started).padStart(7);
      const rest = `  ${elapsed}  ${PHASE_LABEL[phase].padEnd(12)}  ${this.label(scenario, target)}`;
      return `  ${this.paint('RUN', '36')}${rest.slice(0, width - 5)}`;
    });
    // A status line under the running scenarios, while anything runs.
    if (block.length > 0) {
      const c = this.counts;
      block.push(
        `  ${this.done}/${this.total} done: ${c.passed} passed, ${c.failed} failed, ${c.error} error, ${c.skipped} skipped, ${c.not_run} not run | ${formatMs(now - this.startedAt)}`.slice(
          0,
          width,
        ),
      );
    }
    for (const line of block) out += `${line}\n`;
    this.drawnLines = block.length;
    if (out) this.stream.write(out);
  }
}

/**
 * What the negative controls of a result say, one line per control plus the verdict:
 * `control retries_off failed as it must: proves "no request fails"` or `... PASSED: NOT PROVEN`.
 */
export function proofLines(result: ScenarioResult): string[] {
  if (!result.proof) return [];
  if (result.proof === 'no_controls') return ['controls: none declared, its claims are not proven'];
  const lines = (result.controls ?? []).map((c) =>
    c.proven
      ? `control ${c.name} (${c.change}) failed as it must: proves "${c.claim}"`
      : `control ${c.name} (${c.change}) ${c.status.toUpperCase()}: NOT PROVEN "${c.claim}"${c.reason ? ` - ${shorten(c.reason, 160)}` : ''}`,
  );
  return [...lines, result.proof === 'proven' ? 'proven by its controls' : 'NOT PROVEN'];
}

/** The status column: the verdict, and `not proven` when a negative control did not fail. */
function statusCell(r: ScenarioResult): string {
  if (r.proof === 'not_proven') return `${r.status}, not proven`;
  if (r.proof === 'proven') return `${r.status}, proven`;
  return r.status;
}

/** The end-of-run table: category, scenario, status, error rate under fault, p99, recovery time. */
export function formatSummary(report: RunReport, options: { color?: boolean } = {}): string {
  // Several targets: the comparison table, scenario × target, one line per target of a scenario.
  const compare = isComparison(report);
  const on = (r: ScenarioResult) => (compare ? ` on ${r.target}` : '');
  const header = compare
    ? ['SCENARIO', 'TARGET', 'STATUS', 'ERR@FAULT', 'P99@FAULT', 'DETECT', 'RECOVERY']
    : ['CATEGORY', 'SCENARIO', 'STATUS', 'ERR@FAULT', 'P99@FAULT', 'RECOVERY'];
  const measured = (r: ScenarioResult) => [
    formatRate(r.metrics.error_rate_under_fault),
    formatMs(r.metrics.p99_under_fault_ms ?? r.metrics.p99_ms),
    ...(compare ? [formatMs(r.metrics.time_to_detect_ms)] : []),
    formatMs(r.metrics.time_to_recover_ms),
  ];
  const rows = report.results.map((r, i) =>
    compare
      ? [
          report.results[i - 1]?.id === r.id ? '' : `${r.category}/${r.name}`,
          r.target,
          statusCell(r),
          ...measured(r),
        ]
      : [r.category, r.name, statusCell(r), ...measured(r)],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[], status?: ScenarioResult['status']) =>
    cells
      .map((c, i) => {
        const padded = i >= 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0);
        return i === 2 && status && options.color ? `\x1b[${COLOR[status]}m${padded}\x1b[0m` : padded;
      })
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map((row, i) => line(row, report.results[i]?.status))];

  const notes = report.results.filter((r) => r.status !== 'passed' && r.reason);
  if (notes.length > 0) {
    out.push('');
    for (const r of notes) {
      out.push(
        `${r.status} ${r.category}/${r.name}${on(r)}: ${shorten(r.reason ?? '')}${r.provide ? ` (to provide: ${r.provide})` : ''}`,
      );
    }
  }
  if (compare) {
    const c = comparisonOf(report);
    out.push(
      '',
      `resilience score by target: ${c.targets.map((t) => `${t} ${scoreWithCoverage(c, t)}`).join(' | ')}`,
    );
    if (report.results.some((r) => r.proof) && c.targets.some((t) => t !== 'faultline'))
      out.push('negative controls (--controls) run on the faultline target only');
  }
  const unproven = report.results.filter((r) => r.proof === 'not_proven');
  if (unproven.length > 0) {
    out.push('');
    for (const r of unproven) {
      const open = (r.controls ?? []).filter((c) => !c.proven);
      out.push(
        `not proven ${r.category}/${r.name}${on(r)}: ${open.map((c) => `${c.name} ${c.status} ("${c.claim}")`).join('; ')}`,
      );
    }
  }
  const s = report.summary;
  out.push(
    '',
    `${s.total} scenarios: ${s.passed} passed, ${s.failed} failed, ${s.error} error, ${s.skipped} skipped, ${s.not_run} not run` +
      `${report.results.some((r) => r.proof) ? `, ${s.not_proven} not proven` : ''}` +
      ` | resilience score ${formatScore(s.resilience_score)} | ${formatMs(report.duration_ms)} | seed ${report.seed}`,
  );
  if (report.outcome !== 'completed')
    out.push(`run ${report.outcome.replace('_', ' ')}: exit ${report.exit_code}`);
  return out.join('\n');
}

/** One line of at most `max` characters: the terminal gets the gist, the reports the whole reason. */
export function shorten(text: string, max = 200): string {
  const line = text.replace(/\s*\n\s*/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
