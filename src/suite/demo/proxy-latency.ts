import { createProxyCollection } from '../../chaos/proxy/proxy-collection.js';
import type { Scenario } from '../../runner/scenario.js';
import { DEMO_SERVICE_NAME, runDemoExperiment } from './demo-experiment.js';
import { startDemoService } from './demo-service.js';

/**
 * Demo: put the fault proxy in front of a service, add 150 ms of latency for 1.5 s under load,
 * and check that p99 stays under 3 s and /health keeps answering throughout.
 */
export const demoProxyLatency: Scenario = {
  id: 'latency.demo_proxy_latency',
  category: 'latency',
  name: 'demo_proxy_latency',
  title: 'Demo: 150 ms of added latency keeps p99 under 3 s',
  description:
    'Starts a small HTTP service behind the in-process fault proxy, sends 50 requests/s, adds a 150 ms latency toxic for 1.5 s, and checks /health and p99 before, during and after (bounds generous enough for a busy CI machine).',
  needs: ['free-ports'],
  timeoutMs: 60_000,
  tags: ['demo'],
  async run(ctx) {
    const service = await startDemoService(ctx, DEMO_SERVICE_NAME);
    const proxies = createProxyCollection({ seed: ctx.seed, logger: ctx.logger });
    ctx.onCleanup(() => proxies.close());
    const listen = await ctx.freePort();
    await proxies.createProxy({
      name: 'demo',
      listen: `127.0.0.1:${listen}`,
      upstream: `127.0.0.1:${service.port}`,
    });
    const url = `http://127.0.0.1:${listen}`;
    ctx.setPhase('steady_state');
    return runDemoExperiment(
      this,
      ctx,
      service,
      {
        steady_state_hypothesis: {
          title: '/health answers 200 within 3 s, and the load p99 stays under 3 s',
          frequency_ms: 500,
          probes: [
            {
              name: 'health is 200',
              probe: { type: 'http', url: `${url}/health`, timeout_ms: 3000 },
              tolerance: 200,
            },
            {
              name: 'load p99 under 3 s',
              probe: { type: 'load', metric: 'p99_ms', window_ms: 1000 },
              tolerance: { type: 'range', range: [0, 3000] },
            },
          ],
        },
        load: {
          kind: 'http',
          url: `${url}/`,
          rate: 50,
          duration_ms: 4500,
          timeout_ms: 5000,
          connections: 16,
        },
        baseline_ms: 1000,
        action: 'add 150 ms latency',
        fault: {
          kind: 'toxic',
          name: 'latency 150 ms',
          proxy: 'demo',
          toxic: { type: 'latency', attributes: { latency: 150, jitter: 20 } },
        },
        hold_ms: 1500,
        recovery_ms: 1500,
        recovery_tolerance: { error_rate: 0.01, p99_ms: 100, stable_buckets: 5 },
      },
      { toxics: proxies },
    );
  },
};
