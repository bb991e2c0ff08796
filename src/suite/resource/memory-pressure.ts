import { request } from 'undici';
import type { Scenario } from '../../runner/scenario.js';
import { HeapGrowthFault } from '../harness/heap-growth-fault.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { expectErrorRate, faultWindow, recordMetrics, roundRate } from '../harness/judge.js';
import { pollUntil } from '../harness/poll-until.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';
import { waitForHost } from '../harness/wait-for-host.js';

const STEADY_MS = 2000;
const FAULT_MS = 4000;
const RECOVER_MS = 2500;
const RATE = 100;
/** The victim's V8 heap limit: its leak kills it within a second or two. */
const HEAP_LIMIT_MB = 96;

/**
 * One instance leaks until its heap limit kills it, while clients create items (each POST with
 * its own Idempotency-Key) and list them. Items live in a shared Redis, so an acknowledged
 * write must survive the death of the instance that took it. Hypothesis: the instance dies
 * of its limit, traffic moves to the others (at most 1 % of requests fail, and the dead host
 * is out of rotation within 1.5 s), no acknowledged write is lost and none is duplicated.
 */
export const memoryPressure: Scenario = {
  id: 'resource.memory-pressure',
  category: 'resource',
  name: 'memory_pressure',
  title: 'Memory pressure: an instance leaks until its heap limit kills it',
  description:
    'One of three instances (started with --max-old-space-size=96) grows its heap by 16 MB every 150 ms under ' +
    '100 req/s of idempotent-keyed creates and lists on a shared Redis. Hypothesis: it dies of its limit, the ' +
    'dead host leaves rotation within 1.5 s, at most 1 % of requests fail, and every acknowledged item can be ' +
    'read back exactly once.',
  needs: ['redis-server', 'free-ports'],
  timeoutMs: 60_000,
  tags: ['gateway', 'memory', 'durability', 'idempotency'],
  run: (ctx) => {
    const victimIndex = ctx.rng.int(0, 2);
    return runOnReferenceStack(
      ctx,
      {
        instances: 3,
        redis: true,
        serviceNodeArgs: (i) => (i === victimIndex ? [`--max-old-space-size=${HEAP_LIMIT_MB}`] : []),
      },
      (stack) => {
        const victim = stack.instances[victimIndex] ?? stack.instances[0];
        if (!victim) throw new Error('no instance');
        const load = scenarioLoad(ctx, stack.gatewayUrl, {
          rate: RATE,
          durationMs: STEADY_MS + FAULT_MS + RECOVER_MS + 2000,
          requestTimeoutMs: 10_000,
          requests: [
            {
              name: 'create',
              method: 'POST',
              path: '/items',
              headers: (seq) => ({ 'idempotency-key': `mem-${seq}` }),
              body: (seq: number) => ({ name: `mem-${seq}`, data: { seq } }),
              weight: 2,
            },
            { name: 'list', path: '/items?limit=5', weight: 1 },
          ],
        });
        const leak = new HeapGrowthFault(victim, { stepMb: 16, everyMs: 150, maxMb: 1024 });
        const timed = new TimedFault(leak);
        return {
          title: memoryPressure.title,
          category: 'resource',
          load: load.factory,
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction(`leak in ${victim.name}`, timed, FAULT_MS),
            {
              type: 'action',
              name: 'measure death and ejection',
              run: async ({ setMetric, signal }) => {
                await steps.awaitInjection(timed, ctx);
                const { value: diedAt } = await pollUntil(async () => leak.diedAt, {
                  timeoutMs: FAULT_MS - 500,
                  intervalMs: 20,
                  signal,
                });
                const { at } = await waitForHost(
                  stack,
                  victim.proxiedUrl,
                  (host) => host.status !== 'healthy',
                  {
                    timeoutMs: 5000,
                    signal,
                  },
                );
                const value = at - diedAt;
                setMetric('victim_died', 1);
                setMetric('ballast_at_death_mb', leak.lastBallastMb);
                setMetric('ejection_after_death_ms', Math.round(value));
                return expectWithin(
                  'time from the death to the host leaving rotation',
                  value,
                  [0, 1500],
                  ' ms',
                );
              },
            },
            steps.waitForRevertAction(timed, ctx, {
              name: 'wait for the revival',
              timeoutMs: FAULT_MS + 20_000,
              intervalMs: 50,
              recoverPhase: 'at-start',
            }),
            steps.recoveryPause(RECOVER_MS),
            {
              type: 'action',
              name: 'read back every acknowledged write',
              run: async ({ setMetric }) => {
                const acknowledged = load.log.filter(
                  (e) => e.route === 'create' && e.ok && e.status !== null,
                );
                const ids = new Map<string, string>();
                for (const e of acknowledged) {
                  const body = e.body as { id?: string; name?: string } | undefined;
                  if (body?.id && body.name) ids.set(body.id, body.name);
                }
                let lost = 0;
                const entries = [...ids];
                for (let i = 0; i < entries.length; i += 50) {
                  const batch = entries.slice(i, i + 50);
                  const found = await Promise.all(
                    batch.map(async ([id, name]) => {
                      const res = await request(`${stack.gatewayUrl}/items/${id}`, {
                        signal: AbortSignal.timeout(5000),
                      });
                      const item = (await res.body.json()) as { name?: string };
                      return res.statusCode === 200 && item.name === name;
                    }),
                  );
                  lost += found.filter((ok) => !ok).length;
                }
                const list = await request(`${stack.gatewayUrl}/items?limit=10000`, {
                  signal: AbortSignal.timeout(10_000),
                });
                const stored = ((await list.body.json()) as { items: { name: string }[] }).items;
                const names = stored.map((i) => i.name).filter((n) => n.startsWith('mem-'));
                const duplicates = names.length - new Set(names).size;
                const { during, summary: fault } = faultWindow(load, timed);
                const m = recordMetrics(setMetric, {
                  acknowledged_writes: ids.size,
                  lost_acknowledged_writes: lost,
                  duplicated_writes: duplicates,
                  error_rate_fault: roundRate(fault.errorRate),
                  errors_fault: fault.errors,
                  p99_fault_ms: fault.p99Ms,
                });
                expectWithin('acknowledged writes (the load really wrote)', ids.size, [
                  100,
                  Number.POSITIVE_INFINITY,
                ]);
                expectWithin('acknowledged writes lost', lost, [0, 0]);
                expectWithin('writes stored twice', duplicates, [0, 0]);
                expectErrorRate('error rate during the fault', during, fault, 0.01);
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
