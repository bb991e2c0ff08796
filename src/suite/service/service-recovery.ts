import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { controls } from '../control.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { recordMetrics } from '../harness/judge.js';
import { firstServedAfter } from '../harness/observed.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { describeFailures, summarize } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';

const STEADY_MS = 2000;
const DOWN_MS = 2000;
const RATE = 150;
/** Slow start: a re-admitted host ramps from 10 % of its weight to 100 % over this window. */
const SLOW_START_MS = 3000;
const RECOVER_MS = SLOW_START_MS + 2000;
/** Checks run every 200 ms and need 2 passes: re-admission well within this bound. */
const READMIT_WITHIN_MS = 1500;
/**
 * Outlier ejections last this long here (base = max), far beyond the restart and its
 * re-admission: a host back in rotation before an ejection could expire was re-admitted by the
 * active checks, not by an ejection timer running out.
 */
const EJECTION_MS = 10_000;

/**
 * An instance crashes and is restarted. Hypothesis: the gateway's active checks re-admit it
 * within 1.5 s of its restart, slow start ramps its share of traffic up instead of flooding
 * a cold instance, the error rate after re-admission is back to the steady state (zero), and the
 * whole recovery (restart → full weight) is measured.
 */
export const serviceRecovery: Scenario = {
  id: 'service.service-recovery',
  category: 'service',
  name: 'service_recovery',
  title: 'Service recovery: a restarted instance is re-admitted and ramped up',
  description:
    'One of three instances is killed and restarted 2 s later under 150 req/s (outlier ejections last 10 s). ' +
    'Hypothesis: active checks re-admit it: it answers clients within 1.5 s of its restart, long before an ejection ' +
    'could expire; slow start ramps it up: at most 25 % of the answers in its first second back, 20-50 % once the ' +
    '3 s ramp is over; no request fails (retries while it is down); the recovery time is recorded.',
  needs: ['free-ports'],
  timeoutMs: 60_000,
  tags: ['gateway', 'health-checks', 'slow-start'],
  controls: [
    controls.activeChecksOff('active checks re-admit it within 1.5 s of its restart'),
    controls.slowStartOff('slow start ramps it up: at most 25 % of the answers in its first second back'),
    controls.retriesOff('no request fails (retries while it is down)'),
  ],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 3,
        gateway: (hosts) =>
          withClusterOverrides(defaultGatewayConfig(hosts), {
            slowStart: { windowMs: SLOW_START_MS, minWeightPercent: 10 },
            health: {
              active: { path: '/healthz', intervalMs: 200, timeoutMs: 500, rise: 2, fall: 2 },
              outlier: {
                consecutive5xx: 3,
                consecutiveGatewayFailure: 3,
                intervalMs: 1000,
                baseEjectionMs: EJECTION_MS,
                maxEjectionMs: EJECTION_MS,
                maxEjectionPercent: 50,
              },
            },
          }),
      },
      (stack) => {
        const load = scenarioLoad(ctx, stack.gatewayUrl, {
          rate: RATE,
          durationMs: STEADY_MS + DOWN_MS + RECOVER_MS + 3000,
          requestTimeoutMs: 6000,
          requests: [
            { name: 'list', path: '/items?limit=5', weight: 2 },
            { name: 'slow', path: '/slow?ms=10', weight: 1 },
          ],
        });
        const crash = new TimedFault(
          createFault(
            {
              kind: 'process.kill',
              name: 'crash-and-restart',
              process: stack.instances.map((i) => i.name),
              pick: 'random',
              count: 1,
              revive: true,
            },
            stack.faultDeps,
          ),
        );
        const victim = () => stack.instances.find((i) => i.name === crash.injectedTarget);
        return {
          title: serviceRecovery.title,
          category: 'service',
          load: load.factory,
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction('crash one instance', crash, DOWN_MS),
            steps.waitForRevertAction(crash, ctx, {
              name: 'wait for the restart',
              timeoutMs: DOWN_MS + 20_000,
              intervalMs: 20,
              fromInjection: true,
              recoverPhase: 'after-revert',
            }),
            // Re-admission, the whole ramp, and 1.5 s at full weight.
            { type: 'pause', name: 'ramp up', duration_ms: READMIT_WITHIN_MS + SLOW_START_MS + 1500 },
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: ({ setMetric }) => {
                const name = victim()?.name ?? '';
                const killedAt = crash.injectStartedAt as number;
                const restartedAt = crash.revertedAt as number;
                // Re-admission as clients see it: its first answer after the restart.
                const admitted = firstServedAfter(load.log, name, restartedAt);
                const readmission =
                  admitted === undefined ? Number.POSITIVE_INFINITY : admitted - restartedAt;
                const at = admitted ?? restartedAt;
                const share = (from: number, to: number) => {
                  const answered = load.between(from, to).filter((e) => e.ok);
                  return answered.length === 0
                    ? 0
                    : answered.filter((e) => e.headers['x-instance-id'] === name).length / answered.length;
                };
                const early = share(at, at + 1000);
                const full = at + SLOW_START_MS;
                const late = share(full, full + 1500);
                const all = summarize(load.log);
                const outage = summarize(load.between(killedAt, at));
                const after = load.between(at, Number.POSITIVE_INFINITY);
                const m = recordMetrics(setMetric, {
                  readmission_ms: admitted === undefined ? -1 : Math.round(readmission),
                  readmission_before_ejection_could_expire_ms: Math.round(killedAt + EJECTION_MS - at),
                  recovery_ms: Math.round(full - restartedAt),
                  early_traffic_share: Math.round(early * 1000) / 1000,
                  late_traffic_share: Math.round(late * 1000) / 1000,
                  errors: all.errors,
                  errors_during_outage: outage.errors,
                  errors_after_readmission: summarize(after).errors,
                  p99_after_readmission_ms: summarize(after).p99Ms,
                });
                expectWithin(
                  'time from restart to its first answer to a client',
                  readmission,
                  [0, READMIT_WITHIN_MS],
                  ' ms',
                );
                expectWithin('its first answer, before the earliest an outlier ejection could expire', at, [
                  0,
                  killedAt + EJECTION_MS,
                ]);
                // Slow start: the cold instance gets clearly less than its fair third at first.
                expectWithin(
                  'traffic share of the restarted instance in its first second back',
                  early,
                  [0, 0.25],
                );
                expectWithin('traffic share of the restarted instance after the ramp', late, [0.2, 0.5]);
                expectWithin('failed requests', all.errors, [0, 0], '', () => describeFailures(load.log));
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
