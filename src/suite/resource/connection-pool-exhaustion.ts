import type { Scenario } from '../../runner/scenario.js';
import { changeCluster } from '../control.js';
import { HeldRequestsFault } from '../harness/held-requests-fault.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { recordMetrics } from '../harness/judge.js';
import { pollUntil } from '../harness/poll-until.js';
import { defaultGatewayConfig, withClusterOverrides } from '../harness/reference-stack.js';
import { describeFailures, summarizeRequests } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';

const STEADY_MS = 2000;
const FAULT_MS = 3500;
const RECOVER_MS = 2500;
const RATE = 100;
const MAX_PER_HOST = 8;
const QUEUE_TIMEOUT_MS = 250;
/** More hogs than slots: 3 hosts × 8 connections, plus some that queue. */
const HELD = 3 * MAX_PER_HOST + 6;
/** Scheduling slack of a busy machine on top of the gateway's own deadlines. */
const SLACK_MS = 500;

/**
 * Slow clients hold every upstream connection the gateway may open (8 per host). Hypothesis:
 * instead of queueing for ever, the gateway sheds new requests quickly — a 503 with
 * Retry-After after at most its queue timeout (per try) — and once the hogs are gone it
 * serves normally again, with the recovery time measured.
 */
export const connectionPoolExhaustion: Scenario = {
  id: 'resource.connection-pool-exhaustion',
  category: 'resource',
  name: 'connection_pool_exhaustion',
  title: 'Connection pool exhaustion: held connections, fast sheds',
  description:
    '30 requests to a 60 s endpoint hold every upstream connection slot of the gateway (3 hosts × 8) under ' +
    '100 req/s of normal requests; queue timeout 250 ms. Hypothesis: the pool is exhausted (most requests are ' +
    'shed), every shed is a 503 with Retry-After, no request waits longer than the queue timeouts of its tries, ' +
    'and requests succeed again within 1 s of the hogs leaving.',
  needs: ['free-ports'],
  controls: [
    {
      name: 'connection_limit_off',
      claim:
        'the pool is exhausted: most requests are shed, each with 503 + Retry-After, and succeed again within 1 s',
      change: 'connections.maxPerHost 1024 (the hogs cannot fill it)',
      stack: {
        gateway: changeCluster((c) => ({
          ...c,
          connections: { ...c.connections, maxPerHost: 1024 },
        })),
      },
    },
    {
      name: 'queue_timeout_off',
      claim: 'no request waits longer than the queue timeouts of its tries',
      change: 'connections.queueTimeoutMs 60 s',
      stack: {
        gateway: changeCluster((c) => ({
          ...c,
          connections: { ...c.connections, queueTimeoutMs: 60_000 },
        })),
      },
    },
  ],
  timeoutMs: 60_000,
  tags: ['gateway', 'load-shedding', 'connection-pool'],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 3,
        gateway: (hosts) => ({
          ...withClusterOverrides(defaultGatewayConfig(hosts), {
            connections: {
              maxPerHost: MAX_PER_HOST,
              queueTimeoutMs: QUEUE_TIMEOUT_MS,
              keepAliveTimeoutMs: 4000,
              retryAfterSeconds: 1,
            },
          }),
          routes: [
            {
              name: 'held',
              match: { pathPrefix: '/slow' },
              cluster: 'service',
              timeouts: { perTryMs: 60_000, overallMs: 60_000 },
              retry: { maxRetries: 0 },
            },
            { name: 'default', match: { pathPrefix: '/' }, cluster: 'service' },
          ],
        }),
      },
      (stack) => {
        const load = scenarioLoad(ctx, stack.gatewayUrl, {
          rate: RATE,
          durationMs: STEADY_MS + FAULT_MS + RECOVER_MS + 2000,
          requestTimeoutMs: 10_000,
          requests: [{ name: 'list', path: '/items?limit=5' }],
        });
        const held = new HeldRequestsFault(`${stack.gatewayUrl}/slow?ms=60000`, HELD);
        const hogs = new TimedFault(held);
        let exhaustedAt: number | undefined;
        return {
          title: connectionPoolExhaustion.title,
          category: 'resource',
          load: load.factory,
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction(`hold ${HELD} connections`, hogs, FAULT_MS),
            {
              type: 'action',
              name: 'wait for the pool to fill',
              run: async ({ setMetric, signal }) => {
                const started = await steps.awaitInjection(hogs, ctx);
                const { value } = await pollUntil(
                  async () => {
                    const hosts = (await stack.upstreams()).clusters.service?.hosts ?? [];
                    const full = hosts.every((h) => h.connections.inUse >= h.connections.max);
                    return full ? performance.now() : undefined;
                  },
                  { timeoutMs: FAULT_MS - 500, intervalMs: 20, signal },
                );
                exhaustedAt = value;
                setMetric('pool_full_after_ms', Math.round(value - started));
              },
            },
            steps.waitForRevertAction(hogs, ctx, {
              name: 'wait for the hogs to leave',
              timeoutMs: FAULT_MS + 5000,
              intervalMs: 20,
              recoverPhase: 'after-revert',
            }),
            steps.recoveryPause(RECOVER_MS),
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: ({ setMetric }) => {
                const from = (exhaustedAt as number) + 100;
                const to = hogs.revertedAt as number;
                const during = load.between(from, to);
                const shed = during.filter((e) => e.status === 503);
                const withRetryAfter = shed.filter((e) => e.headers['retry-after'] !== undefined);
                const other = during.filter((e) => !e.ok && e.status !== 503);
                const firstOkAfter = load.log
                  .filter((e) => e.ok && e.sentAt >= to)
                  .reduce((min, e) => Math.min(min, e.sentAt), Number.POSITIVE_INFINITY);
                const after = load.between(to + 1000, Number.POSITIVE_INFINITY);
                const s = summarizeRequests(shed);
                const m = recordMetrics(setMetric, {
                  requests_exhausted: during.length,
                  shed_503: shed.length,
                  shed_share:
                    during.length === 0 ? 0 : Math.round((shed.length / during.length) * 1000) / 1000,
                  shed_with_retry_after: withRetryAfter.length,
                  shed_p50_ms: s.p50Ms,
                  shed_p99_ms: s.p99Ms,
                  max_wait_exhausted_ms: summarizeRequests(during).maxMs,
                  other_errors_exhausted: other.length,
                  recovery_ms: Number.isFinite(firstOkAfter) ? Math.round(firstOkAfter - to) : -1,
                  errors_after_recovery: summarizeRequests(after).errors,
                  // Evidence the fault acted: hogs shed or refused while it lasted were sent again.
                  hog_resends: held.resent,
                });
                expectWithin('share of requests shed while the pool is full', m.shed_share, [0.8, 1]);
                expectWithin('sheds without Retry-After', shed.length - withRetryAfter.length, [0, 0]);
                // Each try waits at most the queue timeout; a shed may be retried on the other hosts.
                expectWithin(
                  'the longest any request waited while the pool was full',
                  m.max_wait_exhausted_ms,
                  [0, 3 * QUEUE_TIMEOUT_MS + SLACK_MS],
                  ' ms',
                );
                expectWithin(
                  'time to the first success after the hogs left',
                  m.recovery_ms,
                  [0, 1000],
                  ' ms',
                );
                expectWithin('errors a second after the hogs left', m.errors_after_recovery, [0, 0], '', () =>
                  describeFailures(after),
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
