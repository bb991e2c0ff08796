/** What `faultline scenario new` fills in. */
export interface TemplateNames {
  /** File name stem, kebab-case, e.g. `card-declines`. */
  slug: string;
  /** snake_case, e.g. `card_declines`. */
  name: string;
  /** e.g. `payments`. */
  category: string;
  /** `<category>.<slug>`. */
  id: string;
}

/**
 * The TypeScript scenario module `faultline scenario new NAME` writes: a complete, passing
 * scenario (a stand-in service behind the fault proxy, latency injected under load, a
 * hypothesis on status and p99) with comments on each part of the contract, meant to be edited
 * into the user's own. docs/extending.md walks through it.
 */
export function moduleTemplate(n: TemplateNames): string {
  return `// ${n.id}: a chaos scenario of your own, loaded by
//   faultline run --scenarios <this folder>          (or the config file's \`scenarios:\` globs)
// and selected with --category ${n.category} or --filter ${n.name}. See docs/extending.md.
import { createServer } from 'node:http';
import {
  createProxyCollection,
  defineParams,
  type Journal,
  paramValues,
  phaseAction,
  runExperiment,
  type ScenarioContext,
  type UserScenario,
} from 'faultline';

// The numbers a user may override in faultline.config.yaml without touching this file:
//   overrides:
//     ${n.id}: { rate: 100, fault_ms: 3000 }
// \`faultline run --dry-run\` lists them with the values it will use.
const params = defineParams({
  rate: { kind: 'rate', default: 20, unit: 'req/s', description: 'requests per second of the load', min: 1, max: 5000 },
  steady_ms: { kind: 'phase', default: 1000, unit: 'ms', description: 'load alone before the fault', min: 0, integer: true },
  fault_ms: { kind: 'phase', default: 1500, unit: 'ms', description: 'how long the fault holds', min: 100, integer: true },
  recover_ms: { kind: 'phase', default: 1500, unit: 'ms', description: 'load alone after the fault', min: 0, integer: true },
  latency_ms: { kind: 'fault', default: 150, unit: 'ms', description: 'latency added to every answer', min: 0, integer: true },
  max_p99_ms: { kind: 'bound', default: 3000, unit: 'ms', description: 'the p99 the hypothesis allows', min: 1 },
});

const scenario: UserScenario = {
  // <category>.<slug>: unique in the suite. The category is one of the ten built-in ones
  // (network, service, latency, …) or your own (snake_case): it shows in every report and score.
  id: '${n.id}',
  category: '${n.category}',
  name: '${n.name}',
  title: '${n.name.replace(/_/g, ' ')}: 150 ms of latency keeps p99 under 3 s',
  // Say what is broken and what must hold: the hypothesis is the claim the run proves or refutes.
  description:
    'A stand-in service behind the fault proxy gets 150 ms of added latency for 1.5 s under 20 req/s. ' +
    'Hypothesis: it keeps answering 200 and the load p99 stays under 3 s before, during and after.',
  // What must be on the machine; a missing need makes the scenario \`skipped\`, never \`passed\`
  // (redis, postgres, etcd, haproxy, nginx, root, … see \`faultline run --dry-run\`).
  needs: ['free-ports'],
  // Its own time limit (ms), capped by CHAOS_MAX_DURATION and the run's --timeout.
  timeoutMs: 60_000,
  tags: ['${n.category}'],
  params,
  // Everything you start hangs off ctx: its ports (ctx.freePort), temp dir, logger, seed,
  // abort signal, and ctx.onCleanup, which runs whatever happens (pass, fail, timeout, Ctrl+C).
  async run(ctx: ScenarioContext): Promise<Journal> {
    const p = paramValues(params, ctx);

    // 1. The system under test. Replace this stand-in with your service: start it here (on
    //    ctx.freePort()) or point at one you run, as long as it is on 127.0.0.1.
    const service = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    const servicePort = await ctx.freePort();
    await new Promise<void>((resolve) => service.listen(servicePort, '127.0.0.1', resolve));
    ctx.onCleanup(() => new Promise((resolve) => service.close(resolve)));

    // 2. A fault proxy in front of it (Toxiproxy-compatible, in process): faults are toxics on it.
    const proxies = createProxyCollection({ seed: ctx.seed, logger: ctx.logger });
    ctx.onCleanup(() => proxies.close());
    const listen = await ctx.freePort();
    await proxies.createProxy({ name: 'service', listen: \`127.0.0.1:\${listen}\`, upstream: \`127.0.0.1:\${servicePort}\` });
    const url = \`http://127.0.0.1:\${listen}/\`;

    // 3. The experiment (docs/experiments.md): a steady-state hypothesis checked before, during
    //    and after; a load; a method that injects the fault and waits; the journal is the verdict.
    ctx.setPhase('steady_state');
    return runExperiment(
      {
        title: scenario.title,
        description: scenario.description,
        category: scenario.category,
        steady_state_hypothesis: {
          title: 'it answers 200 and the p99 stays within max_p99_ms',
          frequency_ms: 500,
          probes: [
            { name: 'answers 200', probe: { type: 'http', url, timeout_ms: 3000 }, tolerance: 200 },
            {
              name: 'load p99 within bound',
              probe: { type: 'load', metric: 'p99_ms', window_ms: 1000 },
              tolerance: { type: 'range', range: [0, p.max_p99_ms] },
            },
          ],
        },
        load: { kind: 'http', url, rate: p.rate, duration_ms: p.steady_ms + p.fault_ms + p.recover_ms, timeout_ms: 5000 },
        method: [
          { type: 'pause', name: 'steady state', duration_ms: p.steady_ms },
          phaseAction(ctx, 'inject'),
          {
            type: 'action',
            name: \`add \${p.latency_ms} ms latency\`,
            fault: {
              kind: 'toxic',
              name: 'latency',
              proxy: 'service',
              toxic: { type: 'latency', attributes: { latency: p.latency_ms, jitter: 0 } },
            },
            duration_ms: p.fault_ms,
            background: true,
          },
          phaseAction(ctx, 'observe'),
          { type: 'pause', name: 'the fault holds', duration_ms: p.fault_ms },
          phaseAction(ctx, 'recover'),
          { type: 'pause', name: 'recovery', duration_ms: p.recover_ms },
        ],
      },
      // The run's seed, safety controller (it reverts every fault on a time limit or Ctrl+C),
      // abort signal and logger; the proxy for the toxic fault.
      { seed: ctx.seed, safety: ctx.safety, signal: ctx.signal, logger: ctx.logger, faultDeps: { toxics: proxies } },
    );
  },
};

export default scenario;
`;
}

/**
 * The test written beside the module: it runs the scenario through the real CLI (so through the
 * same runner, isolation and verdict as \`faultline run\`) and fails unless it passed. Plain
 * \`node:test\`, no test framework needed: \`node --test <folder>\`.
 */
export function moduleTestTemplate(n: TemplateNames, file: string): string {
  return `// Runs ${n.id} through \`faultline run\` and checks that it passed: node --test ${file}
// (needs ENVIRONMENT=test, chaos_test or development, as every chaos run does).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

test('${n.name} passes', () => {
  const out = mkdtempSync(join(tmpdir(), '${n.slug}-'));
  try {
    const report = join(out, 'report.json');
    const run = spawnSync(
      'npx',
      ['faultline', 'run', '--scenarios', here, '--filter', '${n.id}', '--report', report],
      { encoding: 'utf8', env: { ENVIRONMENT: 'test', ...process.env, CI: 'true' } },
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const { results } = JSON.parse(readFileSync(report, 'utf8'));
    assert.deepEqual(
      results.map((r) => [r.id, r.status]),
      [['${n.id}', 'passed']],
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
`;
}
