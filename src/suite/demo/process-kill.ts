import type { Scenario } from '../../runner/scenario.js';
import { DEMO_SERVICE_NAME, runDemoExperiment } from './demo-experiment.js';
import { startDemoService } from './demo-service.js';

/**
 * Demo: kill -9 a service under load, let the revert start it again, and check that it
 * serves afterwards. Proves the runner end to end with a real process and a real fault; the
 * error rate under fault is high by design (one instance, nothing in front of it).
 */
export const demoProcessKill: Scenario = {
  id: 'service.demo_process_kill',
  category: 'service',
  name: 'demo_process_kill',
  title: 'Demo: a killed service is restarted and serves again',
  description:
    'Starts a small HTTP service, sends 50 requests/s, kills it with SIGKILL for 600 ms, restarts it, and checks /health before and after.',
  needs: ['free-ports'],
  timeoutMs: 60_000,
  tags: ['demo'],
  async run(ctx) {
    const service = await startDemoService(ctx, DEMO_SERVICE_NAME);
    ctx.setPhase('steady_state');
    return runDemoExperiment(this, ctx, service, {
      steady_state_hypothesis: {
        title: 'the service answers /health with 200',
        // Checked before and after: one instance cannot serve while it is dead.
        frequency_ms: 0,
        probes: [
          {
            name: 'health is 200',
            probe: { type: 'http', url: `${service.url}/health`, timeout_ms: 3000 },
            tolerance: 200,
          },
        ],
      },
      load: {
        kind: 'http',
        url: `${service.url}/`,
        rate: 50,
        duration_ms: 4000,
        timeout_ms: 1000,
        connections: 8,
      },
      baseline_ms: 800,
      action: `kill ${DEMO_SERVICE_NAME}`,
      fault: {
        kind: 'process.kill',
        name: `kill ${DEMO_SERVICE_NAME}`,
        process: DEMO_SERVICE_NAME,
        revive: true,
      },
      hold_ms: 600,
      recovery_ms: 1800,
      recovery_tolerance: { error_rate: 0.01, p99_ms: 2000, stable_buckets: 5 },
    });
  },
};
