import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { changeCluster } from '../control.js';
import { FaultGroup } from '../harness/fault-group.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { expectErrorRate, faultWindow, recordMetrics, roundRate } from '../harness/judge.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { describeFailures, summarizeRequests } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';

const STEADY_MS = 3000;
const RAMP_STEP_MS = 60;
const RAMP_EVERY_MS = 500;
const RAMP_MAX_MS = 480;
/** Long enough to climb to the top and hold it for a moment. */
const FAULT_MS = (RAMP_MAX_MS / RAMP_STEP_MS) * RAMP_EVERY_MS + 1500;
const RECOVER_MS = 3000;
const RATE = 120;
/** The hypothesis: the error rate while the latency climbs. */
const MAX_ERROR_RATE = 0.02;

/**
 * The latency of every instance climbs step by step from 0 to ~0.5 s. A fixed per-try timeout
 * tuned for the steady state would start failing every request once the latency passes it; the
 * adaptive per-try timeout (p99 × 2 of recent tries) follows the latency up instead.
 * Hypothesis: the per-try timeout ends above the injected latency, the error rate while the
 * latency climbs stays under 2 %, and the timeout comes back down after the fault.
 */
export const gradualLatency: Scenario = {
  id: 'latency.gradual-increase',
  category: 'latency',
  name: 'gradual_latency_increase',
  title: 'Gradual latency increase: the adaptive timeout follows',
  description:
    'A latency toxic on every instance climbs by 60 ms every 0.5 s up to 480 ms under 120 req/s; the route uses an ' +
    'adaptive per-try timeout (p99 × 3, floor 100 ms, ceiling 3 s). Hypothesis: the timeout follows the latency up, ' +
    'so at most 2 % of requests fail while it climbs, and none fails a second after the ramp (the per-try ' +
    'timeout values are recorded).',
  needs: ['free-ports'],
  capabilities: ['adaptive_timeout', 'reference_api'],
  timeoutMs: 60_000,
  tags: ['gateway', 'adaptive-timeout'],
  controls: [
    {
      name: 'adaptive_timeout_off',
      claim: 'the per-try timeout follows the latency up: at most 2 % of requests fail while it climbs',
      change: 'a fixed per-try timeout of 100 ms (the adaptive floor)',
      stack: {
        gateway: changeCluster((c) => ({
          ...c,
          timeouts: { connectMs: 500, perTryMs: 100, overallMs: 6000 },
        })),
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
            timeouts: {
              connectMs: 500,
              perTryMs: 3000,
              overallMs: 6000,
              adaptive: {
                percentile: 0.99,
                // Headroom of 3 × p99: on a busy machine the steady p99 itself is noisy.
                factor: 3,
                floorMs: 100,
                ceilingMs: 3000,
                minSamples: 30,
                window: { size: 128, recomputeEvery: 8 },
              },
            },
            // The checks go through the same slow proxies: give them room above the ramp.
            health: {
              active: { path: '/healthz', intervalMs: 250, timeoutMs: 2000, rise: 2, fall: 3 },
              outlier: { consecutive5xx: 5, consecutiveGatewayFailure: 5, maxEjectionPercent: 34 },
            },
          }),
      },
      (stack) => {
        const load = scenarioLoad(ctx, stack.gatewayUrl, {
          rate: RATE,
          durationMs: STEADY_MS + FAULT_MS + RECOVER_MS + 2000,
          requestTimeoutMs: 10_000,
          requests: [{ name: 'list', path: '/items?limit=5' }],
        });
        const ramp = new TimedFault(
          new FaultGroup(
            'latency_ramp',
            'latency-ramp-all',
            stack.instances.map((instance) =>
              createFault(
                {
                  kind: 'latency_ramp',
                  name: `ramp-${instance.name}`,
                  proxy: instance.name,
                  start_ms: 0,
                  step_ms: RAMP_STEP_MS,
                  every_ms: RAMP_EVERY_MS,
                  max_ms: RAMP_MAX_MS,
                },
                stack.faultDeps,
              ),
            ),
          ),
        );
        const perTry = async () =>
          (await stack.upstreams()).routes.find((r) => r.cluster === 'service')?.perTryTimeoutMs ??
          Number.NaN;
        const samples: { at: number; perTryMs: number }[] = [];
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            try {
              samples.push({ at: performance.now(), perTryMs: await perTry() });
            } catch {
              // the admin API missed one sample; the next will do
            }
            await new Promise((r) => setTimeout(r, 200));
          }
        })();
        return {
          title: gradualLatency.title,
          category: 'latency',
          load: load.factory,
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction('latency ramp on every instance', ramp, FAULT_MS),
            steps.waitForRevertAction(ramp, ctx, {
              name: 'wait for the ramp to end',
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
                sampling = false;
                await sampler;
                const { from, to, during, summary: fault } = faultWindow(load, ramp);
                const inWindow = (a: number, b: number) =>
                  samples.filter((s) => s.at >= a && s.at < b).map((s) => s.perTryMs);
                const steadyTimeout = Math.max(...inWindow(from - 1500, from));
                // At the top of the ramp (its last 1.5 s), the timeout the gateway gives each try.
                const topTimeout = Math.min(...inWindow(to - 1200, to));
                const afterTimeout = Math.min(...inWindow(to + 1000, Number.POSITIVE_INFINITY));
                const m = recordMetrics(setMetric, {
                  per_try_steady_ms: Math.round(steadyTimeout),
                  per_try_top_ms: Math.round(topTimeout),
                  per_try_after_ms: Math.round(afterTimeout),
                  injected_top_ms: RAMP_MAX_MS,
                  error_rate_ramp: roundRate(fault.errorRate),
                  p99_ramp_ms: fault.p99Ms,
                  errors_after: summarizeRequests(load.between(to + 1000, Number.POSITIVE_INFINITY)).errors,
                });
                // Judged from the clients: requests keep succeeding while the latency climbs. The
                // gateway's own per-try timeout values above are recorded as detail, not judged.
                expectErrorRate('error rate while the latency climbs', during, fault, MAX_ERROR_RATE);
                expectWithin('errors a second after the ramp', m.errors_after, [0, 0], '', () =>
                  describeFailures(load.between(to + 1000, Number.POSITIVE_INFINITY)),
                );
                return m;
              },
            },
          ],
          rollbacks: [
            {
              type: 'action',
              name: 'stop sampling',
              run: () => {
                sampling = false;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
