import { CpuFault } from '../../chaos/faults/cpu.js';
import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { controls } from '../control.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { expectErrorRate, recordMetrics, roundRate } from '../harness/judge.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { type LoggedRequest, summarizeRequests } from '../harness/request-mix-load.js';
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
 * Where the tries went, as clients see it: a try sent to the starved instance ends with the
 * per-try timeout, so its request waits at least that long. Once the balancer has adapted, at
 * most this share of requests (above the share that slow without the fault) still does. With
 * round robin a third of the tries go to the starved instance.
 */
const MAX_EXTRA_SHARE_PAYING_TIMEOUT = 0.1;
/** Evidence the quota bit: the victim was throttled in at least this many CFS periods (100 ms). */
const MIN_THROTTLED_PERIODS = 3;

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
    '(least-request balancing, per-try timeout 500 ms). Hypothesis: least-request sends it few tries: once adapted ' +
    '(1 s), at most 10 % more requests than in the steady state wait out a per-try timeout, and it serves at most ' +
    '20 % of the answers; p99 stays under per-try timeout + steady p99 + 300 ms and at most 1 % fail. The quota must bite (the victim throttled in at least 3 CFS periods).',
  needs: ['root', 'cgroups', 'free-ports'],
  capabilities: ['per_try_timeout', 'retry_other_host', 'reference_api', 'instance_processes'],
  timeoutMs: 60_000,
  tags: ['gateway', 'least-request', 'cgroups'],
  controls: [controls.roundRobin('least-request sends the starved instance few tries')],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 3,
        gateway: (hosts) =>
          withClusterOverrides(defaultGatewayConfig(hosts), {
            balancer: 'least_request',
            timeouts: { connectMs: 500, perTryMs: PER_TRY_MS, overallMs: 3000 },
            // The balancer is what is under test: active checks get room (through a starved event
            // loop they would take the host out entirely), and there is no outlier detection — it
            // ejected the starved host after five per-try timeouts, so round robin did as well as
            // least-request and the round_robin control passed.
            health: {
              active: { path: '/healthz', intervalMs: 250, timeoutMs: 2000, rise: 2, fall: 3 },
              outlier: false,
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
        const quota = createFault(
          { kind: 'cpu', name: 'cpu-quota', mode: 'cgroup', process: victim?.name, quota: QUOTA_CORES },
          stack.faultDeps,
        );
        const starve = new TimedFault(quota);
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
                const s = summarizeRequests(steady);
                const f = summarizeRequests(during);
                const slowShare = (entries: LoggedRequest[]) =>
                  entries.length === 0
                    ? 0
                    : entries.filter((e) => e.latencyMs >= PER_TRY_MS).length / entries.length;
                const throttling = quota instanceof CpuFault ? quota.throttling : undefined;
                const m = recordMetrics(setMetric, {
                  throttled_periods: throttling?.nr_throttled ?? 0,
                  throttled_share: throttling?.throttled_share ?? 0,
                  throttled_ms: throttling?.throttled_ms ?? 0,
                  share_paying_timeout_steady: roundRate(slowShare(steady)),
                  share_paying_timeout_after: roundRate(
                    slowShare(load.between(to + 1000, Number.POSITIVE_INFINITY)),
                  ),
                  share_paying_timeout_fault: roundRate(slowShare(adapted)),
                  share_steady: Math.round(shareOf(steady) * 1000) / 1000,
                  share_fault: Math.round(shareOf(adapted) * 1000) / 1000,
                  p99_steady_ms: s.p99Ms,
                  p99_fault_ms: f.p99Ms,
                  error_rate_fault: roundRate(f.errorRate),
                  share_after:
                    Math.round(shareOf(load.between(to + 1000, Number.POSITIVE_INFINITY)) * 1000) / 1000,
                });
                expectWithin('CFS periods the victim was throttled in (the quota bit)', m.throttled_periods, [
                  MIN_THROTTLED_PERIODS,
                  Number.POSITIVE_INFINITY,
                ]);
                expectWithin(
                  `share of requests waiting out the ${PER_TRY_MS} ms per-try timeout once adapted`,
                  m.share_paying_timeout_fault,
                  // The floor is the quieter of the two fault-free windows: a burst of machine load
                  // in one of them (the first seconds after start-up, often) must not loosen the
                  // bound enough for round robin to pass.
                  [
                    0,
                    Math.min(m.share_paying_timeout_steady, m.share_paying_timeout_after) +
                      MAX_EXTRA_SHARE_PAYING_TIMEOUT,
                  ],
                );
                expectWithin('share of answers from the starved instance', m.share_fault, [
                  0,
                  MAX_SHARE_STARVED,
                ]);
                // A guard, not a claim: the starved instance gets so few tries that per-try timeouts
                // rarely fire (a per_try_timeout_off control passed), so the bound proves only that
                // nothing else went wrong.
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
