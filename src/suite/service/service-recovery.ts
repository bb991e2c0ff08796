import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { recordMetrics } from '../harness/judge.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { describeFailures, summarize } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';
import { waitForHost } from '../harness/wait-for-host.js';

const STEADY_MS = 2000;
const DOWN_MS = 2000;
const RATE = 150;
/** Slow start: a re-admitted host ramps from 10 % of its weight to 100 % over this window. */
const SLOW_START_MS = 3000;
const RECOVER_MS = SLOW_START_MS + 2000;
/** Checks run every 200 ms and need 2 passes: re-admission well within this bound. */
const READMIT_WITHIN_MS = 1500;

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
    'One of three instances is killed and restarted 2 s later under 150 req/s. Hypothesis: active checks re-admit ' +
    'it within 1.5 s, slow start ramps it from 10 % to full weight over ~3 s (its traffic share starts low and ' +
    'grows), no request fails after re-admission, and the recovery time is recorded.',
  needs: ['free-ports'],
  // admin_state: the re-admission and the slow-start ramp are timed from the gateway's host
  // weights (GET /admin/upstreams); HAProxy and nginx expose no such view to judge from.
  capabilities: ['active_health_checks', 'slow_start', 'admin_state'],
  timeoutMs: 60_000,
  tags: ['gateway', 'health-checks', 'slow-start'],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 3,
        gateway: (hosts) =>
          withClusterOverrides(defaultGatewayConfig(hosts), {
            slowStart: { windowMs: SLOW_START_MS, minWeightPercent: 10 },
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
        const timeline: { readmittedAt?: number; fullWeightAt?: number; initialShare?: number } = {};
        return {
          title: serviceRecovery.title,
          category: 'service',
          load: load.factory,
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction('crash one instance', crash, DOWN_MS),
            {
              type: 'action',
              name: 'measure re-admission and ramp',
              run: async ({ setMetric, signal }) => {
                await steps.awaitInjection(crash, ctx);
                const restartedAt = await steps.waitForRevert(crash, {
                  timeoutMs: DOWN_MS + 20_000,
                  intervalMs: 20,
                  signal,
                });
                ctx.setPhase('recover');
                const url = victim()?.proxiedUrl ?? '';
                const admitted = await waitForHost(stack, url, (host) => host.status === 'healthy', {
                  timeoutMs: 10_000,
                  signal,
                });
                timeline.readmittedAt = admitted.at;
                timeline.initialShare = admitted.host.effectiveWeight / admitted.host.weight;
                const { at: fullAt } = await waitForHost(
                  stack,
                  url,
                  (host) => host.effectiveWeight >= host.weight * 0.99,
                  { timeoutMs: SLOW_START_MS + 10_000, intervalMs: 50, signal },
                );
                timeline.fullWeightAt = fullAt;
                const readmission = admitted.at - restartedAt;
                const ramp = fullAt - admitted.at;
                setMetric('readmission_ms', Math.round(readmission));
                setMetric('initial_weight_share', Math.round(timeline.initialShare * 100) / 100);
                setMetric('ramp_ms', Math.round(ramp));
                setMetric('recovery_ms', Math.round(fullAt - restartedAt));
                expectWithin('time from restart to re-admission', readmission, [0, READMIT_WITHIN_MS], ' ms');
                expectWithin('weight share at re-admission', timeline.initialShare, [0, 0.5]);
                expectWithin('slow-start ramp', ramp, [SLOW_START_MS * 0.5, SLOW_START_MS + 2000], ' ms');
                return { readmission_ms: readmission, ramp_ms: ramp, initial_share: timeline.initialShare };
              },
            },
            { type: 'pause', name: 'recovered', duration_ms: 1500 },
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: ({ setMetric }) => {
                const name = victim()?.name;
                const admitted = timeline.readmittedAt as number;
                const full = timeline.fullWeightAt as number;
                const share = (from: number, to: number) => {
                  const answered = load.between(from, to).filter((e) => e.ok);
                  return answered.length === 0
                    ? 0
                    : answered.filter((e) => e.headers['x-instance-id'] === name).length / answered.length;
                };
                const early = share(admitted, admitted + SLOW_START_MS / 3);
                const late = share(full, full + 1500);
                const after = load.between(admitted, Number.POSITIVE_INFINITY);
                const outage = summarize(load.between(crash.injectStartedAt as number, admitted));
                const m = recordMetrics(setMetric, {
                  early_traffic_share: Math.round(early * 1000) / 1000,
                  late_traffic_share: Math.round(late * 1000) / 1000,
                  errors_during_outage: outage.errors,
                  errors_after_readmission: summarize(after).errors,
                  p99_after_readmission_ms: summarize(after).p99Ms,
                });
                expectWithin('errors after re-admission', m.errors_after_readmission, [0, 0], '', () =>
                  describeFailures(after),
                );
                // Slow start: the cold instance gets clearly less than its fair third at first.
                expectWithin('traffic share of the restarted instance in the first second', early, [0, 0.25]);
                expectWithin('traffic share of the restarted instance at full weight', late, [0.2, 0.5]);
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
