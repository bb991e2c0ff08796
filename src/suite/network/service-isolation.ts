import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { changeCluster, controls } from '../control.js';
import { FaultGroup } from '../harness/fault-group.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { expectErrorRate, faultWindow, recordMetrics, roundRate } from '../harness/judge.js';
import { firstServedAfter } from '../harness/observed.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { describeFailures } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';

const STEADY_MS = 2500;
const FAULT_MS = 4000;
const RECOVER_MS = 3000;
const RATE = 120;
const PER_TRY_MS = 500;
const OVERALL_MS = 2000;
/** The client's own give-up time, far above the gateway's: a request that hits it was black-holed. */
const CLIENT_TIMEOUT_MS = 10_000;
const SLACK_MS = 500;
/** The hypothesis: the isolated instance is out of rotation this soon after the partition. */
const DOWN_WITHIN_MS = 1500;
/**
 * Once it is out, at most this share of requests (above the steady state's share of requests
 * that slow) still pays a per-try timeout on it. In rotation, a third of the requests would.
 */
const MAX_SHARE_PAYING_TIMEOUT = 0.05;
/** The hypothesis: after the partition heals, it answers clients again this soon. */
const READMIT_WITHIN_MS = 1000;

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
    'per-try timeout 500 ms, overall 2 s. Hypothesis: the instance is out of rotation within 1.5 s (after that at ' +
    'most 5 % of requests pay a per-try timeout on it), no request waits past the overall timeout or goes ' +
    'unanswered, at most 1 % fail, and active checks re-admit it: it answers clients within 1 s of the healing.',
  needs: ['free-ports'],
  capabilities: ['per_try_timeout', 'retry_other_host', 'active_health_checks'],
  timeoutMs: 60_000,
  tags: ['gateway', 'partition', 'timeouts', 'health-checks'],
  controls: [
    controls.retriesOff('at most 1 % of requests fail (a timed-out try is retried on another host)'),
    {
      name: 'timeouts_off',
      claim: 'no request waits past the overall timeout or goes unanswered',
      change: 'timeouts.perTryMs and overallMs 60 s',
      stack: {
        gateway: changeCluster((c) => ({
          ...c,
          timeouts: { connectMs: 500, perTryMs: 60_000, overallMs: 60_000 },
        })),
      },
    },
    controls.healthChecksOff('the instance is out of rotation within 1.5 s'),
    controls.activeChecksOff('active checks re-admit it: it answers clients within 1 s of the healing'),
  ],
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
        return {
          title: serviceIsolation.title,
          category: 'network',
          load: load.factory,
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction(`isolate ${victim?.name}`, partition, FAULT_MS),
            steps.waitForRevertAction(partition, ctx, {
              name: 'wait for the partition to heal',
              timeoutMs: FAULT_MS + 5000,
              intervalMs: 20,
              fromInjection: true,
              recoverPhase: 'after-revert',
            }),
            steps.recoveryPause(RECOVER_MS),
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: ({ setMetric }) => {
                const { from, to, during, summary: fault } = faultWindow(load, partition);
                const unanswered = load.log.filter((e) => e.status === null);
                // Out of rotation, as clients see it: requests stop paying a per-try timeout on it.
                const afterDown = load.between(from + DOWN_WITHIN_MS, to);
                const paying = afterDown.filter((e) => e.latencyMs >= PER_TRY_MS).length;
                const share = afterDown.length === 0 ? 1 : paying / afterDown.length;
                // A busy machine makes some requests that slow anyway: the steady share is the floor.
                const steady = load.between(0, from);
                const steadyShare =
                  steady.length === 0
                    ? 0
                    : steady.filter((e) => e.latencyMs >= PER_TRY_MS).length / steady.length;
                // Re-admission, as clients see it: it answers one of their requests again.
                const servedAt = firstServedAfter(load.log, victim?.name ?? '', to);
                const readmission = servedAt === undefined ? Number.POSITIVE_INFINITY : servedAt - to;
                const m = recordMetrics(setMetric, {
                  requests_fault: fault.count,
                  errors_fault: fault.errors,
                  error_rate_fault: roundRate(fault.errorRate),
                  unanswered: unanswered.length,
                  max_latency_fault_ms: fault.maxMs,
                  p99_fault_ms: fault.p99Ms,
                  share_paying_timeout_after_1500ms: roundRate(share),
                  share_paying_timeout_steady: roundRate(steadyShare),
                  readmission_ms: servedAt === undefined ? -1 : Math.round(readmission),
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
                expectWithin(
                  `share of requests paying the ${PER_TRY_MS} ms per-try timeout ${DOWN_WITHIN_MS} ms after the partition`,
                  share,
                  [0, steadyShare + MAX_SHARE_PAYING_TIMEOUT],
                );
                expectWithin(
                  'time from the healing to its first answer to a client',
                  readmission,
                  [0, READMIT_WITHIN_MS],
                  ' ms',
                );
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
