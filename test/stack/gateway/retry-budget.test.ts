import { describe, expect, it } from 'vitest';
import { useGatewayRig } from './gateway-fixture.js';
import type { UpstreamBehaviour } from './upstreams.js';
import { request } from './upstreams.js';

// Issue 9, item 5: a retry budget that neither starves (a hanging host) nor amplifies (every
// host failing). Real upstream processes' sockets, counted where the load lands: at the upstreams.
const rig = useGatewayRig({ seed: 9, cluster: { health: { outlier: false } } });

/** Answers 200 after `ms` (within the per-try timeout), so retries stay in flight while the tries on the hanging host time out. */
const slowOk =
  (ms: number): UpstreamBehaviour =>
  (req, res, name) => {
    req.resume();
    const t = setTimeout(() => res.writeHead(200).end(name), ms);
    res.once('close', () => clearTimeout(t));
  };

const fail503: UpstreamBehaviour = (req, res) => {
  req.resume();
  res.writeHead(503).end('down');
};

/** `total` GETs, `concurrency` at a time; the statuses in order. */
async function load(url: string, total: number, concurrency: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let sent = 0; sent < total; sent += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, total - sent) }, (_, i) =>
      request(`${url}/item/${sent + i}`),
    );
    for (const r of await Promise.all(batch)) statuses.push(r.status);
  }
  return statuses;
}

/** `total` concurrent GETs; the responses in order. */
function loadResponses(url: string, total: number) {
  return Promise.all(Array.from({ length: total }, (_, i) => request(`${url}/item/${i}`)));
}

describe('retry budget (issue 9 item 5)', () => {
  it('retries every idempotent request stuck on a hanging host (default rate budget)', async () => {
    const gw = await rig.setup(['hang', 'b', 'c'], { timeouts: { perTryMs: 1000, overallMs: 8000 } });
    const [hung, b, c] = rig.upstreams as [
      (typeof rig.upstreams)[0],
      (typeof rig.upstreams)[0],
      (typeof rig.upstreams)[0],
    ];
    hung.behaviour = rig.hang;
    const responses = await loadResponses(gw.url, 30);
    const statuses = responses.map((r) => (r.status === 200 ? 200 : `${r.status} ${r.body}`));
    // Round robin sent (at least) 10 of the 30 to the hanging host; every one of those tries
    // timed out and was retried on another host, so every request was answered.
    expect(hung.requests).toBeGreaterThanOrEqual(10);
    expect(statuses).toEqual(Array(30).fill(200));
    expect(b.requests + c.requests).toBeGreaterThanOrEqual(30);
  });

  it('negative control: the in-flight budget (Envoy 20 %, min 3) refuses some of those retries', async () => {
    const gw = await rig.setup(['hang', 'b', 'c'], {
      timeouts: { perTryMs: 1000, overallMs: 8000 },
      retry: { budget: { type: 'concurrent', percent: 20, minConcurrent: 3 } },
    });
    const [hung, b, c] = rig.upstreams as [
      (typeof rig.upstreams)[0],
      (typeof rig.upstreams)[0],
      (typeof rig.upstreams)[0],
    ];
    hung.behaviour = rig.hang;
    b.behaviour = slowOk(300);
    c.behaviour = slowOk(300);
    const statuses = await load(gw.url, 30, 30);
    expect(hung.requests).toBeGreaterThan(0);
    // 10 retries wanted at once, at most max(3, 20 % of 30) = 6 in flight: some requests end 504.
    expect(statuses.filter((s) => s === 504).length).toBeGreaterThan(0);
  });

  it('adds at most the budget share of extra load when every host fails (default budget)', async () => {
    const gw = await rig.setup(['x', 'y', 'z'], { retry: { backoff: { baseMs: 1, capMs: 1 } } });
    for (const u of rig.upstreams) u.behaviour = fail503;
    const started = performance.now();
    const n = 150;
    const statuses = await load(gw.url, n, 30);
    const windows = Math.ceil((performance.now() - started) / 10_000);
    expect(statuses).toEqual(Array(n).fill(503));
    const atUpstreams = rig.upstreams.reduce((sum, u) => sum + u.requests, 0);
    // Default budget: retries ≤ 10/s × 10 s (floor) per window + 20 % of the requests.
    // maxRetries alone would have sent every request to all three hosts: 450.
    expect(atUpstreams).toBeLessThanOrEqual(n + 100 * windows + 0.2 * n);
    // The budget was used, not just refused: at least the floor's worth of retries happened.
    expect(atUpstreams).toBeGreaterThanOrEqual(n + 100);
  }, 60_000);

  it('negative control: with no budget, every failing request is tried on every host', async () => {
    const gw = await rig.setup(['x', 'y', 'z'], {
      retry: { backoff: { baseMs: 1, capMs: 1 }, budget: false },
    });
    for (const u of rig.upstreams) u.behaviour = fail503;
    const n = 60;
    await load(gw.url, n, 30);
    expect(rig.upstreams.reduce((sum, u) => sum + u.requests, 0)).toBe(3 * n);
  });
});
