import { createFault } from '../../chaos/faults/index.js';
import { delay } from '../../common/async.js';
import type { Scenario } from '../../runner/scenario.js';
import { changeCluster, controls } from '../control.js';
import { gatewayMetric } from '../harness/gateway-metric.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { expectErrorRate, faultWindow, recordMetrics, roundRate } from '../harness/judge.js';
import { triesReceived } from '../harness/observed.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { describeFailures, summarizeRequests } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';

const STEADY_MS = 2500;
const FAULT_MS = 4000;
const RECOVER_MS = 3000;
const RATE = 120;
const PER_TRY_MS = 400;
const OVERALL_MS = 1500;
/** Far beyond every timeout: the slow instance never answers in time. */
const INJECTED_LATENCY_MS = 5000;
/** The gateway has this long to take the slow host out (checks, outlier detection or breaker). */
const TRIP_WITHIN_MS = 2000;
/**
 * Once it is out, at most this many tries per second still reach the slow host (breaker
 * half-open probes, outlier re-tries after an ejection ends). While it is in rotation about 40
 * per second reach it (a third of 120 req/s).
 */
const MAX_TRIES_PER_S_AFTER_TRIP = 4;
/** Slack for the client's own clock on a busy machine (scheduling delays of a few hundred ms). */
const CLIENT_SLACK_MS = 500;

/**
 * One instance's answers take 5 s. Hypothesis: per-try timeouts cut every try to it short and
 * the retry on another host answers, so no request waits past the overall timeout and at most
 * 1 % fail; the gateway takes the slow host out within 2 s (active checks, outlier detection or
 * its per-host breaker, whichever first), after which (nearly) no try reaches it. Judged from
 * the clients (waits, failures) and the instance (the tries it received), not from the
 * gateway's view of the host. The breaker on its own is not a claim: with checks and outlier
 * detection off, the breakers of the healthy hosts opened too on this busy machine (see
 * docs/scenarios.md).
 */
export const highLatency: Scenario = {
  id: 'latency.high-latency',
  category: 'latency',
  name: 'high_latency_handling',
  title: 'High latency: one instance answers in 5 s',
  description:
    'A 5 s latency toxic on one of three instances under 120 req/s; per-try timeout 400 ms, overall 1.5 s, active ' +
    'checks, outlier detection and a consecutive-failure breaker per host. Hypothesis: per-try timeouts and retries ' +
    'keep every request within the overall timeout and at most 1 % failing; the slow host is taken out within 2 s ' +
    '(after that at most 4 tries per second reach it).',
  needs: ['free-ports'],
  capabilities: ['per_try_timeout', 'retry_other_host', 'outlier_ejection', 'reference_api'],
  timeoutMs: 60_000,
  tags: ['gateway', 'timeouts', 'circuit-breaker'],
  controls: [
    controls.retriesOff('at most 1 % of requests fail (a try cut short is retried on another host)'),
    {
      name: 'per_try_timeout_off',
      claim:
        'no request waits past the overall timeout and at most 1 % fail (per-try timeouts cut the slow tries short)',
      change: 'timeouts.perTryMs = overallMs (1.5 s): a try to the slow host uses up the whole budget',
      stack: {
        gateway: changeCluster((c) => ({
          ...c,
          timeouts: { connectMs: 500, perTryMs: OVERALL_MS, overallMs: OVERALL_MS },
        })),
      },
    },
    {
      name: 'host_removal_off',
      claim: 'the slow host is taken out within 2 s (at most 4 tries per second reach it after)',
      change: 'no active checks, no outlier detection, no per-host breaker',
      stack: {
        gateway: changeCluster((c) => {
          const { breaker: _off, ...rest } = c;
          return { ...rest, health: { outlier: false } };
        }),
      },
    },
  ],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 3,
        gateway: (hosts) =>
          withClusterOverrides(defaultGatewayConfig(hosts), {
            timeouts: { connectMs: 500, perTryMs: PER_TRY_MS, overallMs: OVERALL_MS },
            breaker: {
              strategy: { type: 'consecutive', threshold: 3 },
              halfOpenAfter: 1000,
              halfOpenProbes: 1,
            },
          }),
      },
      (stack) => {
        const load = scenarioLoad(ctx, stack.gatewayUrl, {
          rate: RATE,
          durationMs: STEADY_MS + FAULT_MS + RECOVER_MS + 2000,
          requestTimeoutMs: 10_000,
          requests: [
            { name: 'list', path: '/items?limit=5', weight: 2 },
            { name: 'slow', path: '/slow?ms=10', weight: 1 },
          ],
        });
        const victim = stack.instances[ctx.rng.int(0, stack.instances.length - 1)] ?? stack.instances[0];
        if (!victim) throw new Error('no instance');
        const slow = new TimedFault(
          createFault(
            {
              kind: 'toxic',
              name: 'high-latency',
              proxy: victim.name,
              toxic: { type: 'latency', stream: 'downstream', attributes: { latency: INJECTED_LATENCY_MS } },
            },
            stack.faultDeps,
          ),
        );
        return {
          title: highLatency.title,
          category: 'latency',
          load: load.factory,
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction(`5 s latency on ${victim.name}`, slow, FAULT_MS),
            {
              type: 'action',
              name: 'count the tries reaching the slow host',
              run: async ({ setMetric, signal }) => {
                const started = await steps.awaitInjection(slow, ctx);
                const atStart = await triesReceived(victim);
                await delay(started + TRIP_WITHIN_MS - performance.now(), signal);
                const atTrip = await triesReceived(victim);
                const from = performance.now();
                // Up to shortly before the revert (the fault lasts FAULT_MS).
                await delay(started + FAULT_MS - 300 - performance.now(), signal);
                const atEnd = await triesReceived(victim);
                const perSecond = ((atEnd - atTrip) * 1000) / (performance.now() - from);
                const m = recordMetrics(setMetric, {
                  slow_host_tries_first_2s: atTrip - atStart,
                  slow_host_tries_per_s_after_2s: Math.round(perSecond * 10) / 10,
                });
                expectWithin(
                  'tries per second reaching the slow host 2 s after the latency began',
                  perSecond,
                  [0, MAX_TRIES_PER_S_AFTER_TRIP],
                );
                return m;
              },
            },
            steps.waitForRevertAction(slow, ctx, {
              name: 'wait for the latency to go',
              timeoutMs: FAULT_MS + 5000,
              intervalMs: 20,
              recoverPhase: 'at-start',
            }),
            steps.recoveryPause(RECOVER_MS),
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: async ({ setMetric }) => {
                const { from, during, summary: fault } = faultWindow(load, slow);
                const all = summarizeRequests(load.log);
                const m = recordMetrics(setMetric, {
                  max_latency_ms: all.maxMs,
                  p99_fault_ms: fault.p99Ms,
                  p99_steady_ms: summarizeRequests(load.between(0, from)).p99Ms,
                  error_rate_fault: roundRate(fault.errorRate),
                  errors_fault: fault.errors,
                  // Extra detail from Faultline's own counters, when the target is Faultline (not judged).
                  ...(stack.adminUrl
                    ? {
                        retries: await gatewayMetric(stack.adminUrl, 'faultline_gateway_retries_total'),
                        tries: await gatewayMetric(stack.adminUrl, 'faultline_gateway_upstream_tries_total'),
                      }
                    : {}),
                });
                expectErrorRate('error rate during the fault', during, fault, 0.01);
                expectWithin(
                  'the longest any request waited',
                  all.maxMs,
                  [0, OVERALL_MS + CLIENT_SLACK_MS],
                  ' ms',
                  () => describeFailures(load.log),
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
