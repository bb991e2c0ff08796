import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { gatewayMetric } from '../harness/gateway-metric.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { expectErrorRate, faultWindow, recordMetrics, roundRate } from '../harness/judge.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { describeFailures, summarize } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';
import { waitForHost } from '../harness/wait-for-host.js';

const STEADY_MS = 2500;
const FAULT_MS = 4000;
const RECOVER_MS = 3000;
const RATE = 120;
const PER_TRY_MS = 400;
const OVERALL_MS = 1500;
/** Far beyond every timeout: the slow instance never answers in time. */
const INJECTED_LATENCY_MS = 5000;
/** Slack for the client's own clock on a busy machine (scheduling delays of a few hundred ms). */
const CLIENT_SLACK_MS = 500;

/**
 * One instance's answers take 5 s. Hypothesis: per-try timeouts cut every try to it short and
 * retry elsewhere, its circuit breaker trips (or its checks fail) within 2 s so it stops being
 * picked, no request waits past the gateway's overall timeout, and at most 1 % fail.
 */
export const highLatency: Scenario = {
  id: 'latency.high-latency',
  category: 'latency',
  name: 'high_latency_handling',
  title: 'High latency: one instance answers in 5 s',
  description:
    'A 5 s latency toxic on one of three instances under 120 req/s; per-try timeout 400 ms, overall 1.5 s, a ' +
    'consecutive-failure breaker per host. Hypothesis: the slow host is taken out (breaker open or checks failing) ' +
    'within 2 s, no request waits past the overall timeout, and at most 1 % of requests fail.',
  needs: ['free-ports'],
  timeoutMs: 60_000,
  tags: ['gateway', 'timeouts', 'circuit-breaker'],
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
        const slow = new TimedFault(
          createFault(
            {
              kind: 'toxic',
              name: 'high-latency',
              proxy: victim?.name,
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
            steps.backgroundFaultAction(`5 s latency on ${victim?.name}`, slow, FAULT_MS),
            {
              type: 'action',
              name: 'measure the trip',
              run: async ({ setMetric, signal }) => {
                const started = await steps.awaitInjection(slow, ctx);
                const { at } = await waitForHost(
                  stack,
                  victim?.proxiedUrl ?? '',
                  (host) => host.breaker === 'open' || host.status !== 'healthy',
                  { timeoutMs: FAULT_MS - 500, signal },
                );
                const value = at - started;
                setMetric('trip_ms', Math.round(value));
                return expectWithin(
                  'time from the latency to the slow host being taken out',
                  value,
                  [0, 2000],
                  ' ms',
                );
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
                const all = summarize(load.log);
                const m = recordMetrics(setMetric, {
                  max_latency_ms: all.maxMs,
                  p99_fault_ms: fault.p99Ms,
                  p99_steady_ms: summarize(load.between(0, from)).p99Ms,
                  error_rate_fault: roundRate(fault.errorRate),
                  errors_fault: fault.errors,
                  retries: await gatewayMetric(stack.adminUrl, 'faultline_gateway_retries_total'),
                  tries: await gatewayMetric(stack.adminUrl, 'faultline_gateway_upstream_tries_total'),
                });
                expectWithin(
                  'the longest any request waited',
                  all.maxMs,
                  [0, OVERALL_MS + CLIENT_SLACK_MS],
                  ' ms',
                  () => describeFailures(load.log),
                );
                expectErrorRate('error rate during the fault', during, fault, 0.01);
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
