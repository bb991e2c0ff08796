/** wrk (closed loop) and its output, for the side-by-side benches. */
import { execFileSync } from 'node:child_process';

/** One wrk run: requests/s, p99 (ms, with `--latency`) and errors (non-2xx/3xx plus socket errors). */
export interface WrkResult {
  rps: number;
  p99Ms: number;
  errors: number;
}

/** `wrk -t1 -c<connections> -d<seconds>s --latency [-s script] url`, parsed. */
export function runWrk(url: string, o: { connections: number; seconds: number; script?: string }): WrkResult {
  const out = execFileSync(
    'wrk',
    ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', ...(o.script ? ['-s', o.script] : []), url],
    { encoding: 'utf8' },
  );
  return parseWrk(out);
}

/** wrk's text output → WrkResult. */
export function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = parseDuration(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return { rps, p99Ms: p99, errors: non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) };
}

/** wrk's `12.5ms` / `830.00us` / `1.2s` → ms. */
function parseDuration(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s.trim());
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
