import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { expectErrorRate, recordMetrics, roundRate } from '../harness/judge.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { type LoggedRequest, summarize } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';

const STEADY_MS = 2500;
const FAULT_MS = 5000;
const RECOVER_MS = 2500;
const RATE = 120;
const PER_TRY_MS = 500;
/** CPU the starved instance keeps: 3 % of one core (cgroup v1 CFS quota). */
const QUOTA_CORES = 0.03;
/**
 * The hypothesis: once the balancer has adapted, the starved instance serves at most this share
 * (its fair share is a third). Measured over 6 runs at cpu_ms=2: 0.125–0.151; with least-request
 * at this low concurrency most picks compare two idle hosts, so the shift is real but partial.
 */
const MAX_SHARE_STARVED = 0.2;

/**
 * One instance is starved of CPU (a cgroup quota of 3 % of a core): it still accepts
 * connections but answers late. Hypothesis: the least-request balancer and per-try timeouts
 * shift the load away from it (its share of answers drops from a third to at most 20 %), the
 * gateway's p99 stays bounded by the per-try timeout plus the steady p99, and at most 1 % fail.
 */
export const cpuExhaustion: Scenario = {
  id: 'resource.cpu-exhaustion',
  category: 'resource',
  name: 'cpu_exhaustion',
  title: 'CPU exhaustion of one instance',
  description:
    'A cgroup v1 CPU quota of 3 % of a core on one of three instances under 120 req/s of CPU-using requests ' +
    '(least-request balancing, per-try timeout 500 ms). Hypothesis: its share of answers drops to at most 20 %, ' +
    'p99 stays under per-try timeout + steady p99 + 300 ms, and at most 1 % of requests fail.',
  needs: ['root', 'cgroups', 'free-ports'],
  capabilities: ['per_try_timeout', 'retry_other_host'],
  timeoutMs: 60_000,
  tags: ['gateway', 'least-request', 'cgroups'],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 3,
        gateway: (hosts) =>
          withClusterOverrides(defaultGatewayConfig(hosts), {
            balancer: 'least_request',
            timeouts: { connectMs: 500, perTryMs: PER_TRY_MS, overallMs: 3000 },
            // Active checks through a starved event loop would take the host out entirely; here
            // the balancer is what is under test, so checks get room.
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
          requests: [
            { name: 'work', path: '/work?cpu_ms=4', weight: 2 },
            { name: 'list', path: '/items?limit=5', weight: 1 },
          ],
        });
        const victim = stack.instances[ctx.rng.int(0, stack.instances.length - 1)] ?? stack.instances[0];
        const starve = new TimedFault(
          createFault(
            { kind: 'cpu', name: 'cpu-quota', mode: 'cgroup', process: victim?.name, quota: QUOTA_CORES },
            stack.faultDeps,
          ),
        );
        const shareOf = (entries: LoggedRequest[]) => {
          const answered = entries.filter((e) => e.ok);
          return answered.length === 0
            ? 0
            : answered.filter((e) => e.headers['x-instance-id'] === victim?.name).length / answered.length;
        };
        return {
          title: cpuExhaustion.title,
          category: 'resource',
          load: load.factory,
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction(`starve ${victim?.name} of CPU`, starve, FAULT_MS),
            steps.waitForRevertAction(starve, ctx, {
              name: 'wait for the quota to lift',
              timeoutMs: FAULT_MS + 5000,
              intervalMs: 50,
              fromInjection: true,
              recoverPhase: 'after-revert',
            }),
            steps.recoveryPause(RECOVER_MS),
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: ({ setMetric }) => {
                const from = starve.injectedAt as number;
                const to = starve.revertedAt as number;
                const steady = load.between(0, starve.injectStartedAt as number);
                const during = load.between(from, to);
                // After the first second the balancer has had its chance to adapt.
                const adapted = load.between(from + 1000, to);
                const s = summarize(steady);
                const f = summarize(during);
                const m = recordMetrics(setMetric, {
                  share_steady: Math.round(shareOf(steady) * 1000) / 1000,
                  share_fault: Math.round(shareOf(adapted) * 1000) / 1000,
                  p99_steady_ms: s.p99Ms,
                  p99_fault_ms: f.p99Ms,
                  error_rate_fault: roundRate(f.errorRate),
                  share_after:
                    Math.round(shareOf(load.between(to + 1000, Number.POSITIVE_INFINITY)) * 1000) / 1000,
                });
                expectWithin('share of answers from the starved instance', m.share_fault, [
                  0,
                  MAX_SHARE_STARVED,
                ]);
                expectWithin('p99 during the fault', f.p99Ms, [0, PER_TRY_MS + s.p99Ms + 300], ' ms');
                expectErrorRate('error rate during the fault', during, f, 0.01);
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
