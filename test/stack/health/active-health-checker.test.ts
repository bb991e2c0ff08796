import { afterEach, describe, expect, it } from 'vitest';
import { ActiveHealthChecker, type CheckResult } from '../../../src/stack/health/active-health-checker.js';
import { activeHealthCheckSchema } from '../../../src/stack/health/health-config.js';
import type { HostStateChange } from '../../../src/stack/health/host-health.js';
import { HostSet } from '../../../src/stack/health/host-set.js';
import { nextEvent, TestUpstream } from '../gateway/upstreams.js';

let upstream: TestUpstream | undefined;
let checker: ActiveHealthChecker | undefined;

afterEach(async () => {
  checker?.stop();
  await upstream?.stop();
});

async function setup(config: Record<string, unknown>) {
  upstream = await new TestUpstream('u').start();
  const set = new HostSet('c', [upstream.url], {
    slowStart: { windowMs: 0, minWeightPercent: 10 },
    panicThresholdPercent: 0,
  });
  const host = set.hosts[0]!;
  checker = new ActiveHealthChecker(
    set,
    activeHealthCheckSchema.parse(config),
    new Map([[host, upstream.url]]),
  );
  const results: CheckResult[] = [];
  checker.onCheckResult((r) => results.push(r));
  return { set, host, checker, results };
}

describe('ActiveHealthChecker', () => {
  it('takes a host out after `fall` failures and back after `rise` passes', async () => {
    const { set, host, checker, results } = await setup({ intervalMs: 20, timeoutMs: 200, rise: 2, fall: 3 });
    checker.start();
    await nextEvent<CheckResult>(checker.onCheckResult, (r) => r.passed);
    upstream!.healthStatus = 500;
    const down = await nextEvent<HostStateChange>(set.onHostStateChange);
    expect(down).toMatchObject({ from: 'healthy', to: 'unhealthy', reason: 'active_check_failed' });
    const sinceLastPass = results.slice(results.findLastIndex((r) => r.passed) + 1);
    expect(sinceLastPass.map((r) => r.status)).toEqual([500, 500, 500]);

    upstream!.healthStatus = 200;
    const passesBefore = results.length;
    const up = await nextEvent<HostStateChange>(set.onHostStateChange);
    expect(up).toMatchObject({ from: 'unhealthy', to: 'healthy', reason: 'active_check_passed' });
    expect(results.slice(passesBefore).filter((r) => r.passed).length).toBe(2);
    expect(host.status).toBe('healthy');
  });

  it('fails checks of a dead listener and of a host slower than the timeout', async () => {
    const { set, checker, results } = await setup({ intervalMs: 20, timeoutMs: 50, fall: 1 });
    upstream!.server.removeAllListeners('request');
    upstream!.server.on('request', () => {}); // never answers
    checker.start();
    await nextEvent<HostStateChange>(set.onHostStateChange);
    expect(results[0]).toMatchObject({ passed: false, error: 'timeout' });
    await upstream!.stop();
    const refused = await nextEvent<CheckResult>(checker.onCheckResult, (r) => r.error === 'ECONNREFUSED');
    expect(refused.passed).toBe(false);
  });

  it('re-admits a host that outlier detection ejected on its next passing check', async () => {
    const { set, host, checker } = await setup({ intervalMs: 30, timeoutMs: 200 });
    set.eject(host, Date.now() + 60_000, 'consecutive_5xx');
    checker.start();
    const back = await nextEvent<HostStateChange>(set.onHostStateChange);
    expect(back).toMatchObject({ from: 'ejected', to: 'healthy', reason: 'active_check_passed' });
  });

  it('does not keep a connection open on a health body that never ends', async () => {
    const { checker } = await setup({ intervalMs: 20, timeoutMs: 200 });
    upstream!.server.removeAllListeners('request');
    upstream!.server.on('request', (_req, res) => {
      res.writeHead(200);
      res.write('still going'); // never ends
    });
    checker.start();
    for (let i = 0; i < 5; i++) await nextEvent<CheckResult>(checker.onCheckResult, (r) => r.passed);
    checker.stop();
    const open = () =>
      new Promise<number>((resolve, reject) =>
        upstream!.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
      );
    for (let i = 0; i < 100 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await open()).toBe(0);
  });

  it('accepts only the configured statuses', async () => {
    const { set, checker } = await setup({ intervalMs: 20, timeoutMs: 200, fall: 1, expectedStatus: [204] });
    checker.start();
    const e = await nextEvent<HostStateChange>(set.onHostStateChange);
    expect(e.to).toBe('unhealthy');
  });
});
