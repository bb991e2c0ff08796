import { runExperiment } from '../../chaos/experiment/run-experiment.js';
import { phaseAction } from '../phase-action.js';
import type { Scenario } from '../scenario.js';
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
    const service = await startDemoService(ctx, 'demo-service');
    ctx.setPhase('steady_state');
    return runExperiment(
      {
        title: this.title,
        description: this.description,
        category: this.category,
        tags: ['demo'],
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
        method: [
          { type: 'pause', name: 'baseline', duration_ms: 800 },
          phaseAction(ctx, 'inject'),
          {
            type: 'action',
            name: 'kill demo-service',
            fault: { kind: 'process.kill', name: 'kill demo-service', process: 'demo-service', revive: true },
            duration_ms: 600,
            background: true,
          },
          phaseAction(ctx, 'observe'),
          { type: 'pause', name: 'fault holds', duration_ms: 600 },
          phaseAction(ctx, 'recover'),
          { type: 'pause', name: 'recovery', duration_ms: 1800 },
        ],
        // CHAOS_MONITORING: CPU and memory of the service into the journal's metrics.targets.
        targets: ctx.env.monitoring ? [{ name: 'demo-service' }] : [],
        recovery_tolerance: { error_rate: 0.01, p99_ms: 2000, stable_buckets: 5 },
      },
      {
        seed: ctx.seed,
        safety: ctx.safety,
        signal: ctx.signal,
        logger: ctx.logger,
        processes: { pidOf: (name) => service.supervisor.get(name)?.pid },
        faultDeps: { processes: service.supervisor, logger: ctx.logger },
      },
    );
  },
};
