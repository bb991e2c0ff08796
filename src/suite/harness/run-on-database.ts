import type { ExperimentInput } from '../../chaos/experiment/experiment-schema.js';
import type { Journal } from '../../chaos/experiment/journal.js';
import { runExperiment } from '../../chaos/experiment/run-experiment.js';
import { ProcessSupervisor } from '../../chaos/process/index.js';
import type { ScenarioContext } from '../../runner/scenario.js';
import { DatabaseStack, type DatabaseStackOptions } from './database-stack.js';
import { safetyOf } from './run-on-stack.js';
import { sharedMachineStopConditions } from './scenario-steps.js';

/**
 * The shape of every database scenario: a managed cluster (primary, synchronous standby, etcd,
 * a failover manager per node, a router) inside the scenario's world (its ports, temp dir and
 * safety controller, which can tear it all down on an emergency stop), the experiment built
 * against it and run through the engine, and the cluster removed whatever happens.
 */
export async function runOnDatabase(
  ctx: ScenarioContext,
  stackOptions: Omit<DatabaseStackOptions, 'supervisor' | 'tmpDir' | 'freePort' | 'seed' | 'logger'>,
  build: (
    stack: DatabaseStack,
  ) => Omit<ExperimentInput, 'stop_conditions'> | Promise<Omit<ExperimentInput, 'stop_conditions'>>,
): Promise<Journal> {
  const safety = safetyOf(ctx);
  ctx.setPhase('setup');
  const supervisor = new ProcessSupervisor({ logger: ctx.logger });
  const handle = safety?.register({
    id: `database-stack:${ctx.scenarioId}:${ctx.seed}`,
    kind: 'process',
    name: 'database cluster processes',
    revert: () => supervisor.stopAll(),
  });
  ctx.onCleanup(() => supervisor.stopAll());
  let stack: DatabaseStack | undefined;
  try {
    stack = await DatabaseStack.start({
      ...stackOptions,
      supervisor,
      tmpDir: ctx.tmpDir,
      freePort: () => ctx.freePort(),
      seed: ctx.seed,
      logger: ctx.logger,
    });
    const started = stack;
    ctx.onCleanup(() => started.close());
    const experiment = await build(stack);
    ctx.setPhase('steady_state');
    return await runExperiment(
      { ...experiment, stop_conditions: sharedMachineStopConditions() },
      { seed: ctx.seed, ...(safety ? { safety } : {}), signal: ctx.signal, logger: ctx.logger },
    );
  } finally {
    ctx.setPhase('teardown');
    await stack?.close();
    await supervisor.stopAll();
    handle?.release();
  }
}
