import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { defineParams, paramValues } from '../../runner/scenario-params.js';
import { changeCluster, controls } from '../control.js';
import { FaultGroup } from '../harness/fault-group.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { expectErrorRate, faultWindow, recordMetrics, roundRate } from '../harness/judge.js';
import { firstServedAfter, linkConnectionRate } from '../harness/observed.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { describeFailures } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';

const PER_TRY_MS = 500;
const OVERALL_MS = 2000;
/** The client's own give-up time, far above the gateway's: a request that hits it was black-holed. */
const CLIENT_TIMEOUT_MS = 10_000;
/** Slack for the client's own clock on a busy machine. */
const SLACK_MS = 500;

/**
 * What a user may override in the config file (`overrides."network.service-isolation".<name>`):
 * the load, the phases and the bounds of the hypothesis. The defaults are the description's.
 */
const params = defineParams({
  rate: { kind: 'rate', default: 120, unit: 'req/s', description: 'requests per second', min: 10, max: 2000 },
  steady_ms: {
    kind: 'phase',
    default: 2500,
    unit: 'ms',
    description: 'load alone before the partition',
    min: 500,
    integer: true,
  },
  fault_ms: {
    kind: 'phase',
    default: 4000,
    unit: 'ms',
    description: 'how long the partition lasts (longer than down_within_ms)',
    min: 2000,
    max: 120_000,
    integer: true,
  },
  recover_ms: {
    kind: 'phase',
    default: 3000,
    unit: 'ms',
    description: 'load after the healing (longer than readmit_within_ms)',
    min: 1500,
    integer: true,
  },
  down_within_ms: {
    kind: 'bound',
    default: 1500,
    unit: 'ms',
    description: 'the instance is out of rotation this soon after the partition',
    min: 0,
    max: 10_000,
    integer: true,
  },
  max_share_paying_timeout: {
    kind: 'bound',
    default: 0.05,
    unit: 'ratio',
    description: 'share of requests (above the steady share) still paying a per-try timeout once it is out',
    min: 0,
    max: 1,
  },
  max_link_connections_per_s: {
    kind: 'bound',
    default: 12,
    unit: 'connections/s',
    description:
      'connections per second still reaching its link once it is out (active checks: ~1.4/s; in rotation ~40/s). ' +
      'Unlike the share of slow requests, this does not loosen when a busy machine slows every request',
    min: 0,
  },
  max_error_rate: {
    kind: 'bound',
    default: 0.01,
    unit: 'ratio',
    description: 'error rate allowed during the partition',
    min: 0,
    max: 1,
  },
  max_wait_ms: {
    kind: 'bound',
    default: OVERALL_MS + SLACK_MS,
    unit: 'ms',
    description: 'the longest any request may wait (overall timeout + slack)',
    min: 0,
  },
  readmit_within_ms: {
    kind: 'bound',
    default: 1000,
    unit: 'ms',
    description: 'after the healing, it answers a client again this soon',
    min: 0,
  },
});

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
    'most 12 connections per second reach its link and at most 5 % of requests pay a per-try timeout on it), no request waits past the overall timeout or goes ' +
    'unanswered, at most 1 % fail, and active checks re-admit it: it answers clients within 1 s of the healing.',
  needs: ['free-ports'],
  capabilities: ['per_try_timeout', 'retry_other_host', 'active_health_checks', 'reference_api'],
  timeoutMs: 60_000,
  tags: ['gateway', 'partition', 'timeouts', 'health-checks'],
  params,
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
  run: (ctx) => {
    const p = paramValues(params, ctx);
    return runOnReferenceStack(
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
          rate: p.rate,
          durationMs: p.steady_ms + p.fault_ms + p.recover_ms + 2000,
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
        /** Connections per second reaching the isolated link once it should be out (NaN: not measured). */
        let linkRate = Number.NaN;
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
            steps.steadyStatePause(p.steady_ms),
            steps.backgroundFaultAction(`isolate ${victim?.name}`, partition, p.fault_ms),
            {
              type: 'action',
              name: 'count connections reaching the isolated instance',
              run: async ({ setMetric, signal }) => {
                const started = await steps.awaitInjection(partition, ctx);
                // From the bound up to shortly before the healing (the fault lasts fault_ms).
                const perSecond = await linkConnectionRate(
                  stack,
                  victim?.name ?? '',
                  started + p.down_within_ms,
                  started + p.fault_ms - 300,
                  signal,
                );
                linkRate = perSecond;
                setMetric('isolated_link_connections_per_s', Math.round(perSecond * 10) / 10);
                return { isolated_link_connections_per_s: perSecond };
              },
            },
            steps.waitForRevertAction(partition, ctx, {
              name: 'wait for the partition to heal',
              timeoutMs: p.fault_ms + 5000,
              intervalMs: 20,
              fromInjection: true,
              recoverPhase: 'after-revert',
            }),
            steps.recoveryPause(p.recover_ms),
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: ({ setMetric }) => {
                const { from, to, during, summary: fault } = faultWindow(load, partition);
                const unanswered = load.log.filter((e) => e.status === null);
                // Out of rotation, as clients see it: requests stop paying a per-try timeout on it.
                const afterDown = load.between(from + p.down_within_ms, to);
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
                  share_paying_timeout_after_down: roundRate(share),
                  share_paying_timeout_steady: roundRate(steadyShare),
                  readmission_ms: servedAt === undefined ? -1 : Math.round(readmission),
                });
                expectWithin(
                  `connections per second reaching the isolated instance ${p.down_within_ms} ms after the partition`,
                  linkRate,
                  [0, p.max_link_connections_per_s],
                );
                expectWithin('requests that never got an answer', unanswered.length, [0, 0], '', () =>
                  describeFailures(unanswered),
                );
                expectWithin('the longest any request waited', fault.maxMs, [0, p.max_wait_ms], ' ms');
                expectErrorRate('error rate during the partition', during, fault, p.max_error_rate);
                expectWithin(
                  `share of requests paying the ${PER_TRY_MS} ms per-try timeout ${p.down_within_ms} ms after the partition`,
                  share,
                  [0, steadyShare + p.max_share_paying_timeout],
                );
                expectWithin(
                  'time from the healing to its first answer to a client',
                  readmission,
                  [0, p.readmit_within_ms],
                  ' ms',
                );
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    );
  },
};
