import type { Journal } from '../chaos/experiment/journal.js';
import type { TimelinePoint } from '../chaos/load/load-metrics.js';

/**
 * Renders a journal's load timeline as one inline SVG: three panels sharing the time axis
 * (requests per second, error rate, p99 latency), fault windows shaded across all three, and
 * the recovery instant marked. Pure string output: no scripts, no fonts, no network.
 */

export interface ChartOptions {
  width?: number;
  panelHeight?: number;
}

interface Panel {
  label: string;
  unit: string;
  color: string;
  value: (p: TimelinePoint) => number;
  /** Lowest top of the y axis, so a flat 0% line does not fill the panel. */
  floor: number;
  format: (v: number) => string;
}

const PANELS: Panel[] = [
  {
    label: 'requests/s',
    unit: 'rps',
    color: '#2563eb',
    value: (p) => p.rps,
    floor: 10,
    format: (v) => `${round(v)}`,
  },
  {
    label: 'error rate',
    unit: '%',
    color: '#dc2626',
    value: (p) => p.error_rate * 100,
    floor: 5,
    format: (v) => `${round(v)}%`,
  },
  {
    label: 'p99 latency',
    unit: 'ms',
    color: '#7c3aed',
    value: (p) => p.p99_ms,
    floor: 10,
    format: (v) => `${round(v)} ms`,
  },
];

const MARGIN = { left: 64, right: 16, top: 22, bottom: 34 };
const GAP = 26;

export function renderTimelineChart(journal: Journal, options: ChartOptions = {}): string {
  const timeline = journal.metrics.load?.timeline ?? [];
  if (timeline.length === 0) return '';
  const width = options.width ?? 880;
  const panelHeight = options.panelHeight ?? 90;
  const height = MARGIN.top + PANELS.length * panelHeight + (PANELS.length - 1) * GAP + MARGIN.bottom;
  const plotWidth = width - MARGIN.left - MARGIN.right;

  const faults = journal.faults;
  const lastPoint = timeline[timeline.length - 1] as TimelinePoint;
  const recoveredAt = recoveryInstant(journal);
  const endMs = Math.max(
    lastPoint.t_ms + 100,
    ...faults.map((f) => f.reverted_ms ?? f.injected_ms),
    recoveredAt ?? 0,
  );
  const x = (ms: number) => MARGIN.left + (Math.max(0, ms) / endMs) * plotWidth;
  const plotBottom = height - MARGIN.bottom;

  const parts: string[] = [];
  // Fault windows: one shaded band across every panel, labelled at the top.
  for (const f of faults) {
    const x0 = x(f.injected_ms);
    const x1 = x(f.revert_started_ms ?? f.reverted_ms ?? endMs);
    parts.push(
      `<rect class="fault" x="${n(x0)}" y="${MARGIN.top - 4}" width="${n(Math.max(1.5, x1 - x0))}" height="${n(plotBottom - MARGIN.top + 4)}" fill="#f59e0b" fill-opacity="0.16" stroke="#f59e0b" stroke-opacity="0.5"><title>${esc(`${f.name} (${f.kind}) ${f.injected_ms} ms → ${f.reverted_ms ?? 'end'} ms`)}</title></rect>`,
      `<text x="${n(x0 + 3)}" y="${MARGIN.top - 8}" font-size="10" fill="#b45309">${esc(truncate(f.name, 28))}</text>`,
    );
  }

  PANELS.forEach((panel, i) => {
    const top = MARGIN.top + i * (panelHeight + GAP);
    const bottom = top + panelHeight;
    const values = timeline.map(panel.value);
    const max = niceCeil(Math.max(panel.floor, ...values));
    const y = (v: number) => bottom - (Math.min(v, max) / max) * panelHeight;
    parts.push(`<g class="panel" data-series="${panel.unit}">`);
    for (const tick of [0, max / 2, max]) {
      parts.push(
        `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${n(y(tick))}" y2="${n(y(tick))}" stroke="#e5e7eb"/>`,
        `<text x="${MARGIN.left - 6}" y="${n(y(tick) + 3.5)}" font-size="10" text-anchor="end" fill="#6b7280">${esc(panel.format(tick))}</text>`,
      );
    }
    parts.push(
      `<text x="${MARGIN.left}" y="${top - 5}" font-size="11" font-weight="600" fill="${panel.color}">${esc(panel.label)}</text>`,
    );
    const path = timeline
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${n(x(p.t_ms + 50))},${n(y(panel.value(p)))}`)
      .join(' ');
    parts.push(
      `<path class="series" d="${path}" fill="none" stroke="${panel.color}" stroke-width="1.6" stroke-linejoin="round"/>`,
      '</g>',
    );
  });

  // Time axis.
  const step = niceStep(endMs / 8);
  for (let t = 0; t <= endMs; t += step) {
    parts.push(
      `<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${plotBottom}" y2="${plotBottom + 4}" stroke="#9ca3af"/>`,
      `<text x="${n(x(t))}" y="${plotBottom + 15}" font-size="10" text-anchor="middle" fill="#6b7280">${round(t / 1000)} s</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${plotBottom}" y2="${plotBottom}" stroke="#9ca3af"/>`,
  );

  if (recoveredAt !== null) {
    const rx = x(recoveredAt);
    const ttr = journal.metrics.load?.time_to_recover_ms ?? 0;
    parts.push(
      `<line class="recovery" x1="${n(rx)}" x2="${n(rx)}" y1="${MARGIN.top - 4}" y2="${plotBottom}" stroke="#16a34a" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      `<text x="${n(Math.min(rx + 3, width - MARGIN.right - 90))}" y="${plotBottom + 28}" font-size="10" fill="#15803d">recovered +${round(ttr / 1000)} s</text>`,
    );
  }

  return [
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(`timeline of ${journal.title}`)}">`,
    `<title>${esc(`${journal.title}: requests/s, error rate and p99 over time; shaded = fault active; green line = recovered`)}</title>`,
    ...parts,
    '</svg>',
  ].join('');
}

/** When the service was back within tolerance: start of the last fault revert + time_to_recover_ms. */
export function recoveryInstant(journal: Journal): number | null {
  const ttr = journal.metrics.load?.time_to_recover_ms;
  const reverts = journal.faults
    .map((f) => f.revert_started_ms ?? f.reverted_ms)
    .filter((v): v is number => v !== null);
  if (ttr === null || ttr === undefined || reverts.length === 0) return null;
  return Math.max(...reverts) + ttr;
}

/** The smallest 1, 2 or 5 × 10^k at or above v. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= v) return m * exp;
  return 10 * exp;
}

function niceStep(v: number): number {
  return niceCeil(Math.max(v, 100));
}

function n(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function round(v: number): string {
  if (v >= 100) return Math.round(v).toString();
  if (v >= 10) return (Math.round(v * 10) / 10).toString();
  return (Math.round(v * 100) / 100).toString();
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
