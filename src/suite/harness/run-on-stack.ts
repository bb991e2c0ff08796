import type { ExperimentInput } from '../../chaos/experiment/experiment-schema.js';
import type { Journal } from '../../chaos/experiment/journal.js';
import { runExperiment } from '../../chaos/experiment/run-experiment.js';
import { SafetyController } from '../../chaos/safety/safety-controller.js';
import type { ScenarioControl } from '../../runner/control.js';
import type { ScenarioContext } from '../../runner/scenario.js';
import type { StackChange } from '../control.js';
import { HarnessError } from './harness-errors.js';
import {
  defaultGatewayConfig,
  type GatewayHosts,
  type ReferenceStack,
  type ReferenceStackOptions,
  startReferenceStack,
} from './reference-stack.js';

/** The safety controller the runner handed the scenario, if it is one. */
export function safetyOf(ctx: ScenarioContext): SafetyController | undefined {
  return ctx.safety instanceof SafetyController ? ctx.safety : undefined;
}

/** Whether a control's change has the shape of a StackChange (a gateway rewrite, service env). */
function isStackChange(change: unknown): change is StackChange {
  if (typeof change !== 'object' || change === null) return false;
  const { gateway, serviceEnv } = change as Record<string, unknown>;
  return (
    (gateway === undefined || typeof gateway === 'function') &&
    (serviceEnv === undefined || (typeof serviceEnv === 'object' && serviceEnv !== null))
  );
}

/**
 * The stack options with a negative control's change applied: its gateway rewrite on top of the
 * scenario's gateway config, its service environment on top of the scenario's.
 */
export function withControl<O extends Pick<ReferenceStackOptions, 'gateway' | 'serviceEnv'>>(
  options: O,
  control: ScenarioControl | undefined,
): O {
  if (!control) return options;
  // A reference-stack scenario's controls carry a StackChange (src/suite/control.ts).
  if (!isStackChange(control.stack))
    throw new HarnessError(`control "${control.name}" does not carry a reference-stack change`);
  const { gateway: rewrite, serviceEnv: extraEnv } = control.stack;
  const base = options.gateway ?? defaultGatewayConfig;
  const env = options.serviceEnv;
  return {
    ...options,
    gateway: rewrite ? (hosts: GatewayHosts) => rewrite(base(hosts)) : base,
    ...(extraEnv
      ? {
          serviceEnv: (index: number) => ({
            ...(typeof env === 'function' ? env(index) : env),
            ...extraEnv,
          }),
        }
      : {}),
  };
}

/**
 * The shape of every reference-stack scenario: start the stack inside the scenario's isolated
 * world (its ports, temp dir, safety controller, signal, logger) with the run's target as its
 * entry point (`ctx.target`, which notes what it could not express), build the experiment against
 * it, run it through the engine with the stack's processes and proxies as fault targets, and
 * tear the stack down whatever happens. `after` may add measurements to the journal.
 */
export async function runOnReferenceStack(
  ctx: ScenarioContext,
  stackOptions: Omit<
    ReferenceStackOptions,
    'safety' | 'freePort' | 'tmpDir' | 'signal' | 'logger' | 'target' | 'mockExternal'
  >,
  build: (stack: ReferenceStack) => ExperimentInput | Promise<ExperimentInput>,
): Promise<Journal> {
  const safety = safetyOf(ctx);
  ctx.setPhase('setup');
  const stack = await startReferenceStack({
    ...withControl(stackOptions, ctx.control),
    ...(safety ? { safety } : {}),
    freePort: () => ctx.freePort(),
    tmpDir: ctx.tmpDir,
    signal: ctx.signal,
    logger: ctx.logger,
    target: ctx.target,
    mockExternal: ctx.env.mockExternal,
  });
  ctx.onCleanup(() => stack.close());
  ctx.noteUnsupported(stack.unsupported);
  try {
    const experiment = await build(stack);
    ctx.setPhase('steady_state');
    return await runExperiment(experiment, {
      seed: ctx.seed,
      ...(safety ? { safety } : {}),
      signal: ctx.signal,
      logger: ctx.logger,
      faultDeps: stack.faultDeps as Record<string, unknown>,
      processes: { pidOf: (name: string) => stack.faultDeps.processes?.get(name)?.pid },
    });
  } finally {
    ctx.setPhase('teardown');
    await stack.close();
  }
}
