import { createFault } from '../../chaos/faults/index.js';
import type { Scenario } from '../../runner/scenario.js';
import type { GatewayConfigInput } from '../../stack/gateway/gateway-config.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { faultWindow, recordMetrics } from '../harness/judge.js';
import { pollUntil } from '../harness/poll-until.js';
import { defaultGatewayConfig } from '../harness/reference-stack.js';
import { describeFailures, type LoggedRequest, summarizeRequests } from '../harness/request-mix-load.js';
import { runOnReferenceStack } from '../harness/run-on-stack.js';
import { scenarioLoad } from '../harness/scenario-load.js';
import * as steps from '../harness/scenario-steps.js';
import { TimedFault } from '../harness/timed-fault.js';

const STEADY_MS = 2500;
const FAULT_MS = 4000;
const RECOVER_MS = 3500;
const RATE = 160;
/** The dependency route's budget: one try of 300 ms, no retries (they would only add load). */
const DEP_PER_TRY_MS = 300;
const DEP_OVERALL_MS = 600;
const HALF_OPEN_AFTER_MS = 1000;
/** The injected slowness of the dependency, far above every timeout. */
const DEPENDENCY_LATENCY_MS = 2000;

const otherRoutes = (e: LoggedRequest) => e.route !== 'dependency';

type RouteInput = NonNullable<GatewayConfigInput['routes']>[number];

/** A control's change to one named route of the gateway config. */
function changeRoute(name: string, fn: (route: RouteInput) => RouteInput) {
  return (config: GatewayConfigInput): GatewayConfigInput => ({
    ...config,
    routes: config.routes?.map((r) => (r.name === name ? fn(r) : r)),
  });
}

/**
 * A dependency of the service becomes very slow. Without protection every caller would wait on
 * it and hold connections; with a per-try timeout and a route breaker, the breaker opens,
 * callers of that route get a fast 503, the gateway's p99 stays bounded by the route's
 * timeout, and the other routes do not notice. Once the dependency recovers, so does the route.
 */
export const cascadingFailure: Scenario = {
  id: 'service.cascading-failure',
  category: 'service',
  name: 'cascading_failure_prevention',
  title: 'Cascading failure prevention: a slow dependency behind one route',
  description:
    'The external dependency of every instance gets 2 s of latency (toxic on its proxy) under 160 req/s, a quarter ' +
    'of it on /dependency. Hypothesis: the /dependency route breaker opens within 2 s; until then its callers wait no ' +
    "longer than the route's timeout (median), and then fail fast (median under half the per-try timeout); " +
    "the gateway's p99 stays under the route's overall timeout, the other routes see no errors and no latency " +
    'increase beyond the measured margin, and /dependency succeeds again after the fault.',
  needs: ['free-ports'],
  // admin_state: the breaker's opening is timed from the gateway's route state.
  capabilities: ['circuit_breaker', 'per_try_timeout', 'admin_state', 'reference_api'],
  timeoutMs: 60_000,
  tags: ['gateway', 'circuit-breaker', 'timeouts'],
  controls: [
    {
      name: 'route_breaker_off',
      claim: 'the /dependency route breaker opens within 2 s and its callers then fail fast',
      change: 'no breaker on the /dependency route',
      stack: { gateway: changeRoute('dependency', ({ breaker: _off, ...route }) => route) },
    },
    {
      name: 'route_timeouts_off',
      claim: "/dependency callers wait no longer than the route's timeout before the breaker opens",
      change: '/dependency per-try timeout 5 s and overall 10 s (instead of 300 and 600 ms)',
      stack: {
        gateway: changeRoute('dependency', (route) => ({
          ...route,
          timeouts: { perTryMs: 5000, overallMs: 10_000 },
        })),
      },
    },
    {
      name: 'half_open_off',
      claim: '/dependency succeeds again after the fault (the breaker probes it and closes)',
      change: '/dependency breaker halfOpenAfter 60 s: it stays open for the rest of the run',
      stack: {
        gateway: changeRoute('dependency', (route) => ({
          ...route,
          ...(route.breaker ? { breaker: { ...route.breaker, halfOpenAfter: 60_000 } } : {}),
        })),
      },
    },
  ],
  run: (ctx) =>
    runOnReferenceStack(
      ctx,
      {
        instances: 3,
        external: true,
        // The service gives up on its dependency later than the gateway does: the gateway's
        // own timeout and breaker are what is under test.
        serviceEnv: { DEPENDENCY_TIMEOUT_MS: '1500' },
        gateway: (hosts) => ({
          ...defaultGatewayConfig(hosts),
          routes: [
            {
              name: 'dependency',
              match: { pathPrefix: '/dependency' },
              cluster: 'service',
              timeouts: { perTryMs: DEP_PER_TRY_MS, overallMs: DEP_OVERALL_MS },
              retry: { maxRetries: 0 },
              breaker: {
                strategy: { type: 'consecutive', threshold: 5 },
                halfOpenAfter: HALF_OPEN_AFTER_MS,
                halfOpenProbes: 1,
              },
            },
            { name: 'default', match: { pathPrefix: '/' }, cluster: 'service' },
          ],
        }),
      },
      (stack) => {
        const load = scenarioLoad(ctx, stack.gatewayUrl, {
          rate: RATE,
          durationMs: STEADY_MS + FAULT_MS + RECOVER_MS + 2000,
          requestTimeoutMs: 5000,
          requests: [
            { name: 'dependency', path: '/dependency', weight: 1 },
            { name: 'items', path: '/items?limit=5', weight: 2 },
            { name: 'slow', path: '/slow?ms=10', weight: 1 },
          ],
        });
        const slowDependency = new TimedFault(
          createFault(
            {
              kind: 'toxic',
              name: 'slow-dependency',
              proxy: 'external',
              toxic: {
                type: 'latency',
                stream: 'downstream',
                attributes: { latency: DEPENDENCY_LATENCY_MS },
              },
            },
            stack.faultDeps,
          ),
        );
        const routeBreaker = async () =>
          (await stack.upstreams()).routes.find((r) => r.name === 'dependency')?.breaker ?? null;
        let openedAt: number | undefined;
        return {
          title: cascadingFailure.title,
          category: 'service',
          load: load.factory,
          steady_state_hypothesis: {
            title: 'the other routes never fail',
            frequency_ms: 1000,
            probes: [
              {
                name: 'errors on the other routes in the last second',
                probe: {
                  type: 'function',
                  fn: () => {
                    const now = performance.now();
                    return summarizeRequests(load.completedBetween(now - 1000, now).filter(otherRoutes))
                      .errors;
                  },
                },
                tolerance: { type: 'range', range: [0, 0] },
              },
            ],
          },
          method: [
            steps.steadyStatePause(STEADY_MS),
            steps.backgroundFaultAction('slow down the dependency', slowDependency, FAULT_MS),
            {
              type: 'action',
              name: 'measure breaker opening',
              run: async ({ setMetric, signal }) => {
                const started = await steps.awaitInjection(slowDependency, ctx);
                const { value } = await pollUntil(
                  async () => ((await routeBreaker()) === 'open' ? performance.now() - started : undefined),
                  { timeoutMs: FAULT_MS - 500, intervalMs: 20, signal },
                );
                openedAt = started + value;
                setMetric('breaker_open_ms', Math.round(value));
                return expectWithin(
                  'time from the slow dependency to an open breaker',
                  value,
                  [0, 2000],
                  ' ms',
                );
              },
            },
            steps.waitForRevertAction(slowDependency, ctx, {
              name: 'wait for the dependency to recover',
              timeoutMs: FAULT_MS + 5000,
              intervalMs: 20,
              recoverPhase: 'at-start',
            }),
            steps.recoveryPause(RECOVER_MS),
            {
              type: 'action',
              name: 'judge the hypothesis',
              run: ({ setMetric }) => {
                const {
                  from: faultStart,
                  to: faultEnd,
                  summary: faultAll,
                } = faultWindow(load, slowDependency);
                const opened = openedAt as number;
                const steadyOther = summarizeRequests(load.between(0, faultStart).filter(otherRoutes));
                const faultOther = summarizeRequests(load.between(faultStart, faultEnd).filter(otherRoutes));
                const steadyAll = summarizeRequests(load.between(0, faultStart));
                // Callers of the broken route while the breaker is open: answered without waiting
                // for the dependency (the median is robust to a busy machine's scheduling tail;
                // without the breaker every call would wait at least the per-try timeout).
                const whileOpen = summarizeRequests(load.between(opened + 50, faultEnd, 'dependency'));
                // Callers of the broken route before the breaker opened: their tries are cut at
                // the per-try timeout (without it they wait for the service to give up on its
                // dependency, 1.5 s). The median is robust to the busy machine's tail.
                const beforeOpen = summarizeRequests(load.between(faultStart + 100, opened, 'dependency'));
                // After the fault, the route works again (allow one half-open period to pass).
                const recovered = summarizeRequests(
                  load.between(faultEnd + HALF_OPEN_AFTER_MS + 500, Infinity, 'dependency'),
                );
                const m = recordMetrics(setMetric, {
                  p99_steady_other_ms: steadyOther.p99Ms,
                  p99_fault_other_ms: faultOther.p99Ms,
                  p90_steady_other_ms: steadyOther.p90Ms,
                  p90_fault_other_ms: faultOther.p90Ms,
                  errors_fault_other: faultOther.errors,
                  p99_fault_all_ms: faultAll.p99Ms,
                  max_fault_all_ms: faultAll.maxMs,
                  dependency_p50_before_open_ms: beforeOpen.p50Ms,
                  dependency_requests_before_open: beforeOpen.count,
                  dependency_p50_while_open_ms: whileOpen.p50Ms,
                  dependency_p99_while_open_ms: whileOpen.p99Ms,
                  dependency_requests_while_open: whileOpen.count,
                  dependency_errors_after_recovery: recovered.errors,
                  dependency_requests_after_recovery: recovered.count,
                });
                expectWithin(
                  'errors on the other routes during the fault',
                  faultOther.errors,
                  [0, 0],
                  '',
                  () => describeFailures(load.between(faultStart, faultEnd).filter(otherRoutes)),
                );
                expectWithin(
                  'p99 of all requests during the fault',
                  faultAll.p99Ms,
                  // Bounded by the broken route's timeout, or by what the busy machine already
                  // gave in the steady state, whichever is larger.
                  [0, Math.max(DEP_OVERALL_MS, steadyAll.p99Ms) + 300],
                  ' ms',
                );
                expectWithin(
                  'median latency of /dependency callers before the breaker opened',
                  beforeOpen.p50Ms,
                  // Timer-bound (tries end at 300 ms): measured 305–316 ms even at load average 11,
                  // against 1523–1661 ms without the route's timeouts.
                  [0, DEP_OVERALL_MS + 200],
                  ' ms',
                );
                expectWithin(
                  'median latency of /dependency callers while the breaker is open',
                  whileOpen.p50Ms,
                  [0, DEP_PER_TRY_MS / 2],
                  ' ms',
                );
                expectWithin(
                  // p90, not p99: measured, a single scheduling hiccup of the busy machine moves
                  // the p99 of ~300 requests by hundreds of ms whatever the fault does.
                  'p90 of the other routes during the fault',
                  faultOther.p90Ms,
                  [0, Math.max(3 * steadyOther.p90Ms, steadyOther.p90Ms + 150)],
                  ' ms',
                );
                expectWithin('/dependency errors after recovery', recovered.errors, [0, 0]);
                return m;
              },
            },
          ],
          stop_conditions: steps.sharedMachineStopConditions(),
        };
      },
    ),
};
