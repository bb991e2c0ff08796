import { runExperiment } from '../../chaos/experiment/run-experiment.js';
import { createProxyCollection } from '../../chaos/proxy/proxy-collection.js';
import { phaseAction } from '../phase-action.js';
import type { Scenario } from '../scenario.js';
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
    const service = await startDemoService(ctx, 'demo-service');
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
    return runExperiment(
      {
        title: this.title,
        description: this.description,
        category: this.category,
        tags: ['demo'],
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
        method: [
          { type: 'pause', name: 'baseline', duration_ms: 1000 },
          phaseAction(ctx, 'inject'),
          {
            type: 'action',
            name: 'add 150 ms latency',
            fault: {
              kind: 'toxic',
              name: 'latency 150 ms',
              proxy: 'demo',
              toxic: { type: 'latency', attributes: { latency: 150, jitter: 20 } },
            },
            duration_ms: 1500,
            background: true,
          },
          phaseAction(ctx, 'observe'),
          { type: 'pause', name: 'fault holds', duration_ms: 1500 },
          phaseAction(ctx, 'recover'),
          { type: 'pause', name: 'recovery', duration_ms: 1500 },
        ],
        // CHAOS_MONITORING: CPU and memory of the service into the journal's metrics.targets.
        targets: ctx.env.monitoring ? [{ name: 'demo-service' }] : [],
        recovery_tolerance: { error_rate: 0.01, p99_ms: 100, stable_buckets: 5 },
      },
      {
        seed: ctx.seed,
        safety: ctx.safety,
        signal: ctx.signal,
        logger: ctx.logger,
        processes: { pidOf: (name) => service.supervisor.get(name)?.pid },
        faultDeps: { processes: service.supervisor, toxics: proxies, logger: ctx.logger },
      },
    );
  },
};
