import type { Journal } from '../../src/chaos/experiment/journal.js';
import { NEEDS, type Need, type NeedCheck } from '../../src/runner/needs.js';
import type { Scenario } from '../../src/runner/scenario.js';
import { sampleJournal } from '../report/fixtures.js';

/**
 * Scenarios with known outcomes for the CLI tests (run through test/cli/run-entry.ts). The
 * runner, reports and CLI are real; only the experiments are canned.
 */
const fixture = (
  id: string,
  category: Scenario['category'],
  run: Scenario['run'],
  needs: Need[] = [],
): Scenario => ({
  id,
  category,
  name: id.split('.')[1] as string,
  title: `Fixture ${id}`,
  description: 'a canned scenario for CLI tests',
  needs,
  run,
});

/** Waits until the scenario is aborted, then returns an interrupted journal. */
const untilAborted: Scenario['run'] = async (ctx) => {
  ctx.setPhase('inject');
  process.stdout.write(`fixture ${ctx.scenarioId} waiting\n`);
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  return { ...sampleJournal(), status: 'interrupted', abort_reason: String(ctx.signal.reason) } as Journal;
};

export const fixtureScenarios: Scenario[] = [
  fixture('fixture.pass_one', 'service', async (ctx) => {
    ctx.setPhase('steady_state');
    ctx.setPhase('inject');
    ctx.setPhase('observe');
    ctx.setPhase('recover');
    return sampleJournal({ title: 'pass one', seed: ctx.seed });
  }),
  fixture('fixture.pass_two', 'network', async (ctx) => sampleJournal({ title: 'pass two', seed: ctx.seed })),
  fixture('fixture.fails', 'latency', async () => sampleJournal({ title: 'fails', deviated: true })),
  fixture('fixture.throws', 'cache', async () => {
    throw new Error('boom\nsecond line');
  }),
  fixture('fixture.needs_etcd', 'database', async () => sampleJournal(), ['etcd']),
  fixture('fixture.hangs', 'region', untilAborted),
];

/** The real need checks, except `etcd`, which is always missing here (so skips are deterministic). */
export const fixtureNeeds: Record<Need, NeedCheck> = {
  ...NEEDS,
  etcd: {
    title: 'etcd binary (always missing in tests)',
    check: async () => ({
      ok: false,
      reason: 'etcd not found (test fixture)',
      provide: 'apt-get install -y etcd-server',
    }),
  },
};
