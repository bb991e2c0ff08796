import type { ActionActivity } from '../chaos/experiment/experiment-schema.js';
import type { Phase, ScenarioContext } from './scenario.js';

/**
 * An experiment action that only tells the terminal view which phase the scenario is in.
 * The engine has no phase hook, so a scenario marks its method: `phaseAction(ctx, 'inject')`
 * before the fault, `'observe'` while it holds, `'recover'` after it is reverted.
 */
export function phaseAction(ctx: ScenarioContext, phase: Phase): ActionActivity {
  return {
    type: 'action',
    name: `phase: ${phase}`,
    background: false,
    run: () => {
      ctx.setPhase(phase);
      return phase;
    },
  };
}
