import { request } from 'undici';

/**
 * The sum of every sample of one metric in the gateway's Prometheus text (GET /metrics on its
 * admin port), optionally only samples whose labels contain `labelFilter` (e.g. `reason="x"`).
 * 0 when the metric has no samples yet.
 */
export async function gatewayMetric(adminUrl: string, name: string, labelFilter?: string): Promise<number> {
  const res = await request(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
  const text = await res.body.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labelFilter && !(m[2] ?? '').includes(labelFilter)) continue;
    const value = Number(m[3]);
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}
