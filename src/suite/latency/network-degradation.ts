import { request } from 'undici';
import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { controls } from '../control.js';
import { FaultGroup } from '../harness/fault-group.js';
import { gatewayMetric } from '../harness/gateway-metric.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { faultWindow, recordMetrics, roundRate } from '../harness/judge.js';
import { linkConnections } from '../harness/observed.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { describeFailures, summarizeRequests } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';

const STEADY_MS = 2500;
const FAULT_MS = 5000;
const RECOVER_MS = 2500;
const RATE = 100;
const OVERALL_MS = 4000;
/** The hypothesis: the success rate under a degraded network. */
const TARGET_SUCCESS_RATE = 0.99;
/** Items seeded on every instance, ~1 KB each, so answers span many TCP segments. */
const SEED_ITEMS = 10;

/**
 * Each instance's link degrades in a different way at once: one is throttled to 64 KB/s, one
 * gets jittery latency and its answers sliced into small segments, and the third's connections
 * are reset 100 ms after they open (a flapping NIC or a middlebox dropping state). Hypothesis: thanks to per-try timeouts, retries on another host and active
 * checks, the success rate stays at or above 99 % and no request waits past the overall
 * timeout; the retries the gateway made are recorded.
 */
export const networkDegradation: Scenario = {
  id: 'latency.network-degradation',
  category: 'latency',
  name: 'network_degradation',
  title: 'Network degradation: bandwidth, slicing, jitter and resets',
  description:
    'Under 100 req/s of ~10 KB answers: bandwidth 64 KB/s on one instance, latency 40±40 ms plus slicing on ' +
    'another, reset_peer 100 ms into every connection of the third; no health checks, so every host stays in rotation. ' +
    'Hypothesis: success rate ≥ 99 % during the fault because every try that meets a reset is retried on another ' +
    'host (the resets must bite: at least 10 connections of the resetting link are cut and re-opened).',
  needs: ['free-ports'],
  capabilities: ['per_try_timeout', 'retry_other_host', 'reference_api'],
  timeoutMs: 60_000,
  tags: ['gateway', 'retries', 'toxics'],
  controls: [
    controls.retriesOff('success rate ≥ 99 %: every try that meets a reset is retried on another host'),
  ],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 3,
        gateway: (hosts) =>
          withClusterOverrides(defaultGatewayConfig(hosts), {
            timeouts: { connectMs: 500, perTryMs: 1200, overallMs: OVERALL_MS },
            // No health checks, no outlier detection: every degraded host stays in rotation, so
            // client requests do meet the resets (with checks on, the resetting host was often
            // taken out before any request met one, and the retries went unexercised).
            health: { outlier: false },
          }),
      },
      async (stack) => {
        // ~10 KB of items on every instance (memory stores are per instance).
        for (const instance of stack.instances) {
          for (let i = 0; i < SEED_ITEMS; i++) {
            const res = await request(`${instance.directUrl}/items`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ name: `seed-${i}`, data: 'x'.repeat(1000) }),
            });
            await res.body.dump();
          }
        }
        const load = scenarioLoad(ctx, stack.gatewayUrl, {
          rate: RATE,
          durationMs: STEADY_MS + FAULT_MS + RECOVER_MS + 2000,
          requestTimeoutMs: 10_000,
          requests: [{ name: 'list', path: `/items?limit=${SEED_ITEMS}` }],
        });
        const [a, b, c] = stack.instances.map((i) => i.name);
        const toxic = (name: string, proxy: string | undefined, toxicSpec: Record<string, unknown>) =>
          createFault({ kind: 'toxic', name, proxy, toxic: toxicSpec }, stack.faultDeps);
        const degraded = new TimedFault(
          new FaultGroup('toxic', 'degraded-network', [
            toxic('bandwidth', a, { type: 'bandwidth', attributes: { rate: 64 } }),
            toxic('jitter', b, { type: 'latency', attributes: { latency: 40, jitter: 40 } }),
            toxic('slicer', b, {
              type: 'slicer',
              attributes: { average_size: 1000, size_variation: 500, delay: 2000 },
            }),
            // Every connection, not a share: with toxicity 0.5 the resets stopped biting within a
            // second (the pooled connections that survived the roll carried every later try) and the
            // retries_off control passed.
            toxic('resets', c, { type: 'reset_peer', attributes: { timeout: 100 } }),
          ]),
        );
        let retriesBefore = 0;
        let linkBefore = 0;
        return {
          title: networkDegradation.title,
          category: 'latency',
          load: load.factory,
          method: [
            steps.steadyStatePause(STEADY_MS),
            {
              type: 'action',
              name: 'count retries before',
              run: async () => {
                // Extra detail from Faultline's own counters, when the target is Faultline (not judged).
                if (stack.adminUrl)
                  retriesBefore = await gatewayMetric(stack.adminUrl, 'faultline_gateway_retries_total');
                linkBefore = linkConnections(stack, c as string);
              },
            },
            steps.backgroundFaultAction('degrade the network', degraded, FAULT_MS),
            steps.waitForRevertAction(degraded, ctx, {
              name: 'wait for the network to heal',
              timeoutMs: FAULT_MS + 5000,
              intervalMs: 50,
              fromInjection: true,
              recoverPhase: 'after-revert',
            }),
            steps.recoveryPause(RECOVER_MS),
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: async ({ setMetric }) => {
                const { from, during, summary: fault } = faultWindow(load, degraded);
                const retries = stack.adminUrl
                  ? (await gatewayMetric(stack.adminUrl, 'faultline_gateway_retries_total')) - retriesBefore
                  : undefined;
                // Evidence the resets bit, from the link: every reset connection is re-opened.
                const resetLinkConnections = linkConnections(stack, c as string) - linkBefore;
                const m = recordMetrics(setMetric, {
                  success_rate_fault: roundRate(1 - fault.errorRate),
                  requests_fault: fault.count,
                  errors_fault: fault.errors,
                  p99_fault_ms: fault.p99Ms,
                  max_fault_ms: fault.maxMs,
                  p99_steady_ms: summarizeRequests(load.between(0, from)).p99Ms,
                  ...(retries === undefined ? {} : { retries_during_fault: retries }),
                  reset_link_connections: resetLinkConnections,
                });
                expectWithin(
                  'connections opened on the resetting link (the resets bit)',
                  resetLinkConnections,
                  [10, Number.POSITIVE_INFINITY],
                );
                expectWithin(
                  'success rate during the fault',
                  1 - fault.errorRate,
                  [TARGET_SUCCESS_RATE, 1],
                  '',
                  () => describeFailures(during),
                );
                // A guard, not a claim: nothing in this fault makes a request hang.
                expectWithin('the longest any request waited', fault.maxMs, [0, OVERALL_MS + 500], ' ms');
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
