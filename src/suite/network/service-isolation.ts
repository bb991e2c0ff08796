import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { FaultGroup } from '../harness/fault-group.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { expectErrorRate, faultWindow, recordMetrics, roundRate } from '../harness/judge.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { describeFailures } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';
import { waitForHost } from '../harness/wait-for-host.js';

const STEADY_MS = 2500;
const FAULT_MS = 4000;
const RECOVER_MS = 3000;
const RATE = 120;
const PER_TRY_MS = 500;
const OVERALL_MS = 2000;
/** The client's own give-up time, far above the gateway's: a request that hits it was black-holed. */
const CLIENT_TIMEOUT_MS = 10_000;
const SLACK_MS = 500;

/**
 * One instance is cut off by its proxy the way a network partition does it: connections are
 * still accepted, but every byte in either direction vanishes (Toxiproxy `timeout` toxic with
 * timeout 0), so nothing ever fails fast. Hypothesis: the gateway treats the instance as down
 * within 1.5 s, every request still gets an answer within the overall timeout (none disappears
 * into the black hole), at most 1 % fail, and the instance is re-admitted after the partition.
 */
export const serviceIsolation: Scenario = {
  id: 'network.service-isolation',
  category: 'network',
  name: 'service_isolation',
  title: 'Service isolation: one instance black-holed by its proxy',
  description:
    'Both directions of one of three instances are black-holed (timeout toxic, 0 = forever) under 120 req/s; ' +
    'per-try timeout 500 ms, overall 2 s. Hypothesis: the instance is marked down within 1.5 s, no request waits ' +
    'past the overall timeout or goes unanswered, at most 1 % fail, and it is re-admitted after the partition heals.',
  needs: ['free-ports'],
  timeoutMs: 60_000,
  tags: ['gateway', 'partition', 'timeouts', 'health-checks'],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 3,
        gateway: (hosts) =>
          withClusterOverrides(defaultGatewayConfig(hosts), {
            timeouts: { connectMs: 500, perTryMs: PER_TRY_MS, overallMs: OVERALL_MS },
          }),
      },
      (stack) => {
        const load = scenarioLoad(ctx, stack.gatewayUrl, {
          rate: RATE,
          durationMs: STEADY_MS + FAULT_MS + RECOVER_MS + 2000,
          requestTimeoutMs: CLIENT_TIMEOUT_MS,
          requests: [
            { name: 'list', path: '/items?limit=5', weight: 2 },
            {
              name: 'put',
              method: 'PUT',
              path: (seq) => `/items/iso-${seq % 30}`,
              body: { name: 'iso' },
              weight: 1,
            },
          ],
        });
        const victim = stack.instances[ctx.rng.int(0, stack.instances.length - 1)] ?? stack.instances[0];
        const blackHole = (stream: 'upstream' | 'downstream') =>
          createFault(
            {
              kind: 'toxic',
              name: `black-hole-${stream}`,
              proxy: victim?.name,
              toxic: { type: 'timeout', stream, attributes: { timeout: 0 } },
            },
            stack.faultDeps,
          );
        const partition = new TimedFault(
          new FaultGroup('toxic', `isolate-${victim?.name}`, [
            blackHole('upstream'),
            blackHole('downstream'),
          ]),
        );
        let downAt: number | undefined;
        return {
          title: serviceIsolation.title,
          category: 'network',
          load: load.factory,
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction(`isolate ${victim?.name}`, partition, FAULT_MS),
            {
              type: 'action',
              name: 'measure detection',
              run: async ({ setMetric, signal }) => {
                const started = await steps.awaitInjection(partition, ctx);
                const { at } = await waitForHost(
                  stack,
                  victim?.proxiedUrl ?? '',
                  (host) => host.status !== 'healthy',
                  { timeoutMs: FAULT_MS - 500, signal },
                );
                downAt = at;
                setMetric('detection_ms', Math.round(at - started));
                return expectWithin(
                  'time from the partition to the host marked down',
                  at - started,
                  [0, 1500],
                  ' ms',
                );
              },
            },
            {
              type: 'action',
              name: 'measure re-admission',
              run: async ({ setMetric, signal }) => {
                ctx.setPhase('recover');
                const healed = await steps.waitForRevert(partition, {
                  timeoutMs: FAULT_MS + 5000,
                  intervalMs: 20,
                  signal,
                });
                const { at } = await waitForHost(
                  stack,
                  victim?.proxiedUrl ?? '',
                  (host) => host.status === 'healthy',
                  { timeoutMs: 10_000, signal },
                );
                setMetric('readmission_ms', Math.round(at - healed));
              },
            },
            steps.recoveryPause(RECOVER_MS),
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: ({ setMetric }) => {
                const { to, during, summary: fault } = faultWindow(load, partition);
                const unanswered = load.log.filter((e) => e.status === null);
                const m = recordMetrics(setMetric, {
                  requests_fault: fault.count,
                  errors_fault: fault.errors,
                  error_rate_fault: roundRate(fault.errorRate),
                  unanswered: unanswered.length,
                  max_latency_fault_ms: fault.maxMs,
                  p99_fault_ms: fault.p99Ms,
                  served_by_isolated_after_down: load
                    .between((downAt as number) + 500, to)
                    .filter((e) => e.ok && e.headers['x-instance-id'] === victim?.name).length,
                });
                expectWithin('requests that never got an answer', unanswered.length, [0, 0], '', () =>
                  describeFailures(unanswered),
                );
                expectWithin(
                  'the longest any request waited',
                  fault.maxMs,
                  [0, OVERALL_MS + SLACK_MS],
                  ' ms',
                );
                expectErrorRate('error rate during the partition', during, fault, 0.01);
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
