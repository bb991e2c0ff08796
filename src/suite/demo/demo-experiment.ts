import type { z } from 'zod';
import type { ExperimentInput, faultFieldSchema } from '../../chaos/experiment/experiment-schema.js';
import type { Journal } from '../../chaos/experiment/journal.js';
import { runExperiment } from '../../chaos/experiment/run-experiment.js';
import type { FaultDeps } from '../../chaos/faults/fault-deps.js';
import { phaseAction } from '../../runner/phase-action.js';
import type { Scenario, ScenarioContext } from '../../runner/scenario.js';
import type { DemoService } from './demo-service.js';

/** The demo service's process name: what the demos start, monitor and break. */
export const DEMO_SERVICE_NAME = 'demo-service';

/** What sets one demo apart from another; the rest of the experiment is the same for all. */
export interface DemoExperiment
  extends Pick<ExperimentInput, 'steady_state_hypothesis' | 'load' | 'recovery_tolerance'> {
  /** Load alone before the fault (ms). */
  baseline_ms: number;
  /** Name of the fault action, in the journal. */
  action: string;
  fault: z.input<typeof faultFieldSchema>;
  /** How long the fault holds before it is reverted (ms). */
  hold_ms: number;
  /** Load alone after the revert (ms). */
  recovery_ms: number;
}

/**
 * Runs a demo scenario's experiment against its demo service: the scenario's title,
 * description and category; a method of baseline, one background fault held for `hold_ms`
 * (with the phase marks for the terminal view), and recovery; the service monitored under
 * CHAOS_MONITORING; faults built with the service's supervisor (plus `faultDeps`).
 */
export function runDemoExperiment(
  scenario: Scenario,
  ctx: ScenarioContext,
  service: DemoService,
  demo: DemoExperiment,
  faultDeps: Omit<FaultDeps, 'processes' | 'logger'> = {},
): Promise<Journal> {
  return runExperiment(
    {
      title: scenario.title,
      description: scenario.description,
      category: scenario.category,
      tags: ['demo'],
      steady_state_hypothesis: demo.steady_state_hypothesis,
      load: demo.load,
      method: [
        { type: 'pause', name: 'baseline', duration_ms: demo.baseline_ms },
        phaseAction(ctx, 'inject'),
        {
          type: 'action',
          name: demo.action,
          fault: demo.fault,
          duration_ms: demo.hold_ms,
          background: true,
        },
        phaseAction(ctx, 'observe'),
        { type: 'pause', name: 'fault holds', duration_ms: demo.hold_ms },
        phaseAction(ctx, 'recover'),
        { type: 'pause', name: 'recovery', duration_ms: demo.recovery_ms },
      ],
      // CHAOS_MONITORING: CPU and memory of the service into the journal's metrics.targets.
      targets: ctx.env.monitoring ? [{ name: DEMO_SERVICE_NAME }] : [],
      recovery_tolerance: demo.recovery_tolerance,
    },
    {
      seed: ctx.seed,
      safety: ctx.safety,
      signal: ctx.signal,
      logger: ctx.logger,
      processes: { pidOf: (name) => service.supervisor.get(name)?.pid },
      faultDeps: { processes: service.supervisor, ...faultDeps, logger: ctx.logger },
    },
  );
}
