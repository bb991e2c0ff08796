import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { describeFailures, summarize } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';
import { waitForHost } from '../harness/wait-for-host.js';

/** Phases, ms. The whole run stays well under 20 s. */
const STEADY_MS = 2500;
const DOWN_MS = 3500;
const RECOVER_MS = 3000;
const RATE = 150;
/** The hypothesis: the dead host is out of rotation this soon after the kill. */
const EJECT_WITHIN_MS = 1000;

/**
 * kill -9 of one of three instances under load. Idempotent requests (GET, PUT) are retried on
 * another host, so none fails; active checks and outlier detection take the dead host out
 * within a second; once it is revived, checks re-admit it.
 */
export const randomCrashes: Scenario = {
  id: 'service.random-crashes',
  category: 'service',
  name: 'random_crashes',
  title: 'Random service crashes: kill -9 of one of three instances under load',
  description:
    'One of three service instances, picked with the seed, is killed with SIGKILL under 150 req/s of idempotent ' +
    'traffic. Hypothesis: no request fails (retries go to another host), the dead host is ejected within 1 s, ' +
    'and it is re-admitted after it is revived.',
  needs: ['free-ports'],
  timeoutMs: 60_000,
  tags: ['gateway', 'retries', 'health-checks', 'outlier-detection'],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 3,
      },
      (stack) => {
        const load = scenarioLoad(ctx, stack.gatewayUrl, {
          rate: RATE,
          durationMs: STEADY_MS + DOWN_MS + RECOVER_MS + 2000,
          requestTimeoutMs: 5000,
          requests: [
            { name: 'list', path: '/items?limit=5', weight: 3 },
            { name: 'slow', path: '/slow?ms=20', weight: 1 },
            {
              name: 'put',
              method: 'PUT',
              path: (seq) => `/items/k-${seq % 40}`,
              body: { name: 'crash-test' },
              weight: 1,
            },
          ],
        });
        const kill = new TimedFault(
          createFault(
            {
              kind: 'process.kill',
              name: 'kill-one-instance',
              process: stack.instances.map((i) => i.name),
              pick: 'random',
              count: 1,
              revive: true,
            },
            stack.faultDeps,
          ),
        );
        const victimUrl = () => stack.instances.find((i) => i.name === kill.injectedTarget)?.proxiedUrl ?? '';
        return {
          title: randomCrashes.title,
          category: 'service',
          load: load.factory,
          steady_state_hypothesis: {
            title: 'no request fails',
            frequency_ms: 1000,
            probes: [
              {
                name: 'errors in the last second',
                probe: { type: 'load', metric: 'errors', window_ms: 1000 },
                tolerance: { type: 'range', range: [0, 0] },
              },
            ],
          },
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction('kill -9 one instance', kill, DOWN_MS),
            {
              type: 'action',
              name: 'measure ejection',
              run: async ({ setMetric, signal }) => {
                const started = await steps.awaitInjection(kill, ctx);
                const { at } = await waitForHost(stack, victimUrl(), (host) => host.status !== 'healthy', {
                  timeoutMs: 5000,
                  signal,
                });
                const value = at - started;
                setMetric('ejection_ms', Math.round(value));
                expectWithin('time from kill -9 to ejection', value, [0, EJECT_WITHIN_MS], ' ms');
                return { victim: kill.injectedTarget, ejection_ms: Math.round(value) };
              },
            },
            {
              type: 'action',
              name: 'measure re-admission',
              run: async ({ setMetric, signal }) => {
                ctx.setPhase('recover');
                // The background fault reverts (revives the instance) after DOWN_MS.
                const revived = await steps.waitForRevert(kill, {
                  timeoutMs: DOWN_MS + 10_000,
                  intervalMs: 20,
                  signal,
                });
                const { at } = await waitForHost(stack, victimUrl(), (host) => host.status === 'healthy', {
                  timeoutMs: 5000,
                  signal,
                });
                const value = at - revived;
                setMetric('readmission_ms', Math.round(value));
                return { readmission_ms: Math.round(value) };
              },
            },
            steps.recoveryPause(RECOVER_MS),
            {
              type: 'action',
              name: 'count failed requests',
              run: ({ setMetric }) => {
                const all = summarize(load.log);
                const served = new Set(load.log.map((e) => e.headers['x-instance-id']).filter(Boolean));
                setMetric('requests', all.count);
                setMetric('failed_requests', all.errors);
                setMetric('p99_ms', all.p99Ms);
                const killedAt = kill.injectStartedAt ?? 0;
                setMetric('p99_before_kill_ms', summarize(load.between(0, killedAt)).p99Ms);
                setMetric(
                  'p99_while_down_ms',
                  summarize(load.between(killedAt, kill.revertedAt ?? killedAt)).p99Ms,
                );
                setMetric('instances_serving', served.size);
                expectWithin('failed idempotent requests', all.errors, [0, 0], '', () =>
                  describeFailures(load.log),
                );
                return all;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
