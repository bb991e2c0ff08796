/** Small number formatters shared by the terminal, HTML and JUnit reports. */

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 10) return `${Math.round(ms * 10) / 10} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Math.round(ms / 100) / 10} s`;
}

export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '-';
  const pct = rate * 100;
  return `${pct < 10 && pct !== 0 ? Math.round(pct * 10) / 10 : Math.round(pct)}%`;
}

export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined ? '-' : `${Math.round(score)}`;
}
