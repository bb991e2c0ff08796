import type { Scenario } from '../../runner/scenario.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { pollUntil } from '../harness/poll-until.js';
import { sharedMachineStopConditions } from '../harness/scenario-steps.js';
import { runOnWebSocketStack } from '../harness/websocket-stack.js';
import { countSequence, percentile, SessionClientFleet } from './session-client-fleet.js';
import { type WebSocketControl, webSocketChange } from './websocket-controls.js';

const CLIENTS = 50;
const PUSH_EVERY_MS = 100;
const SEND_EVERY_MS = 250;
const STEADY_MS = 2000;
const AFTER_MS = 1500;
/** Reconnect back-off: full jitter over [0, base) for the first retry. */
const BACKOFF = { baseMs: 1000, capMs: 4000 };
/**
 * Jitter must spread the clients' first back-offs (from each client's own drop to its first reconnect
 * attempt) over at least this share of the base (p10–p90).
 */
const MIN_SPREAD_SHARE = 0.3;

/** One per claim; each turns the defence it rests on off and must make the scenario fail. */
const controls: readonly WebSocketControl[] = [
  {
    name: 'resume_off',
    claim: 'every session resumed, zero lost and zero duplicated messages in either direction',
    change: 'clients do not resume (every reconnect starts a new session)',
    stack: { clients: { resume: false } },
    misses: [
      'pushes lost',
      'pushes duplicated',
      'client messages lost',
      'client messages duplicated',
      'sessions not resumed',
    ],
  },
  {
    name: 'jitter_off',
    claim: 'reconnects spread by jitter',
    change: 'no jitter (every client waits half the back-off base)',
    stack: { clients: { jitter: false } },
    misses: ['spread of the first reconnect back-offs'],
  },
];

/**
 * Every client connection is reset at once through the fault proxy in front of the gateway
 * (`reset_peer`, both peers get a RST). Hypothesis: clients reconnect spread out by full jitter
 * (p10–p90 of their first attempts ≥ 30 % of the back-off base), every one resumes its session,
 * and, counted message by message, no upstream push and no client message is lost or duplicated.
 */
export const massDisconnection: Scenario = {
  id: 'websocket.mass-disconnection',
  category: 'websocket',
  name: 'mass_disconnection',
  title: 'Mass disconnection: every WebSocket reset at once',
  description:
    `${CLIENTS} session clients (ticker pushes every ${PUSH_EVERY_MS} ms, a client message every ${SEND_EVERY_MS} ms) ` +
    'are all reset through the fault proxy. Hypothesis: reconnects spread by jitter, every session resumed, ' +
    'zero lost and zero duplicated messages in either direction, counted message by message.',
  needs: ['redis', 'free-ports'],
  timeoutMs: 90_000,
  tags: ['websocket', 'sessions', 'resume', 'jitter'],
  controls,
  run: (ctx) => {
    const { clients } = webSocketChange(ctx, controls);
    const resume = clients?.resume ?? true;
    const jitter = clients?.jitter ?? true;
    return runOnWebSocketStack(
      ctx,
      {
        upstreams: 2,
        websocket: {
          sessions: {
            secret: `scenario-${ctx.seed}-0123456789abcdef`,
            redisUrl: ctx.redis.url,
            keyPrefix: `${ctx.redis.prefix}ws:`,
          },
          limits: { acceptsPerSecond: 2000, acceptBurst: 500 },
        },
      },
      (stack) => {
        const fleet = new SessionClientFleet({
          url: stack.url,
          count: CLIENTS,
          backoff: BACKOFF,
          random: (i) => (jitter ? ctx.rng.fork(`client-${i}`) : () => 0.5),
          resume,
          pushEveryMs: PUSH_EVERY_MS,
        });
        ctx.onCleanup(() => fleet.close());
        let sender: NodeJS.Timeout | undefined;
        let resetAt = 0;
        return {
          title: massDisconnection.title,
          category: 'websocket',
          method: [
            {
              type: 'action',
              name: 'connect every client and reach the steady state',
              run: async ({ setMetric, signal }) => {
                const { elapsedMs } = await pollUntil(
                  async () => (fleet.connected === CLIENTS ? true : undefined),
                  { timeoutMs: 30_000, intervalMs: 50, signal },
                ).catch(async (err: Error) => {
                  throw new Error(
                    `${err.message}: ${fleet.describe()}; gateway ${JSON.stringify(await stack.stats())}`,
                  );
                });
                setMetric('connect_all_ms', Math.round(elapsedMs));
                sender = setInterval(() => fleet.sendRound(), SEND_EVERY_MS);
                await new Promise((r) => setTimeout(r, STEADY_MS));
              },
            },
            {
              type: 'action',
              name: 'reset every connection through the fault proxy',
              run: async ({ setMetric, signal }) => {
                ctx.setPhase('inject');
                resetAt = performance.now();
                const toxic = stack.proxies.addToxic('gateway', {
                  type: 'reset_peer',
                  stream: 'downstream',
                  attributes: { timeout: 0 },
                }) as { name: string };
                try {
                  const { elapsedMs } = await pollUntil(
                    async () =>
                      fleet.records.every((r) => r.disconnects.some((d) => d.at >= resetAt))
                        ? true
                        : undefined,
                    { timeoutMs: 5000, intervalMs: 10, signal },
                  );
                  setMetric('all_reset_ms', Math.round(elapsedMs));
                } finally {
                  stack.proxies.removeToxic('gateway', toxic.name);
                }
              },
            },
            {
              type: 'action',
              name: 'wait for every client to reconnect',
              run: async ({ setMetric, signal }) => {
                ctx.setPhase('recover');
                const { elapsedMs } = await pollUntil(
                  async () =>
                    fleet.records.every((r) => r.client.connected && r.opens.some((o) => o.at > resetAt))
                      ? true
                      : undefined,
                  { timeoutMs: 30_000, intervalMs: 20, signal },
                );
                setMetric('all_reconnected_ms', Math.round(elapsedMs));
                await new Promise((r) => setTimeout(r, AFTER_MS));
                clearInterval(sender);
                fleet.stop();
                await pollUntil(
                  async () =>
                    fleet.records.every((r) => r.end !== undefined && r.client.buffered === 0)
                      ? true
                      : undefined,
                  { timeoutMs: 15_000, intervalMs: 20, signal },
                );
                // The last echoes may still be on their way: the outbox is acknowledged before echoes return.
                await pollUntil(
                  async () => (fleet.records.every((r) => r.echoes.length >= r.sent) ? true : undefined),
                  { timeoutMs: 5000, intervalMs: 20, signal },
                ).catch(() => undefined);
              },
            },
            {
              type: 'action',
              name: 'judge: spread, resumes, losses and duplicates',
              run: ({ setMetric }) => {
                // Each client's first drop after the reset that scheduled a retry. Only those have a
                // back-off: a 0 for the others would widen the spreads below (and a client that never
                // came back is counted under "sessions not resumed").
                const retried: { at: number; retryAt: number }[] = [];
                for (const r of fleet.records) {
                  const d = r.disconnects.find((x) => x.at >= resetAt);
                  if (d?.retryAt !== undefined) retried.push({ at: d.at, retryAt: d.retryAt });
                }
                const firstRetry = retried.map((d) => d.retryAt - resetAt);
                // The jitter itself: how long each client waited after *its own* drop. The spread of the
                // attempts' absolute times also holds how spread out the drops were (the proxy resets the
                // 50 connections over 54–350 ms, more on a loaded machine), and with jitter off that alone
                // once passed the bound at load average 10.
                const backoff = retried.map((d) => d.retryAt - d.at);
                const spread = percentile(backoff, 0.9) - percentile(backoff, 0.1);
                const attemptSpread = percentile(firstRetry, 0.9) - percentile(firstRetry, 0.1);
                const reopen = fleet.records.map(
                  (r) => (r.opens.find((o) => o.at > resetAt)?.at ?? resetAt) - resetAt,
                );
                let pushesLost = 0;
                let pushesDuplicated = 0;
                let pushesOutOfOrder = 0;
                let echoesLost = 0;
                let echoesDuplicated = 0;
                let messages = 0;
                for (const r of fleet.records) {
                  const p = countSequence(r.pushes, r.end ?? 0);
                  const e = countSequence(r.echoes, r.sent);
                  pushesLost += p.lost;
                  pushesDuplicated += p.duplicated;
                  pushesOutOfOrder += p.outOfOrder;
                  echoesLost += e.lost;
                  echoesDuplicated += e.duplicated;
                  messages += r.pushes.length + r.echoes.length;
                }
                // Not resumed: never reopened after the reset, or reopened as a new session or with a gap.
                const notResumed = fleet.records.filter((r) => {
                  const after = r.opens.filter((o) => o.at > resetAt);
                  return after.length === 0 || after.some((o) => !o.resumed || o.gap);
                }).length;
                const m = {
                  clients: CLIENTS,
                  messages_counted: messages,
                  reconnect_backoff_spread_p10_p90_ms: Math.round(spread),
                  clients_with_a_backoff: backoff.length,
                  reconnect_attempt_spread_p10_p90_ms: Math.round(attemptSpread),
                  reconnect_first_attempt_p50_ms: Math.round(percentile(firstRetry, 0.5)),
                  resumed_p50_ms: Math.round(percentile(reopen, 0.5)),
                  resumed_p99_ms: Math.round(percentile(reopen, 0.99)),
                  sessions_not_resumed: notResumed,
                  pushes_lost: pushesLost,
                  pushes_duplicated: pushesDuplicated,
                  pushes_out_of_order: pushesOutOfOrder,
                  client_messages_lost: echoesLost,
                  client_messages_duplicated: echoesDuplicated,
                };
                for (const [k, v] of Object.entries(m)) setMetric(k, v);
                expectWithin(
                  'p10–p90 spread of the first reconnect back-offs',
                  spread,
                  [BACKOFF.baseMs * MIN_SPREAD_SHARE, Number.POSITIVE_INFINITY],
                  ' ms',
                );
                expectWithin('upstream pushes lost', pushesLost, [0, 0]);
                expectWithin('upstream pushes duplicated', pushesDuplicated + pushesOutOfOrder, [0, 0]);
                expectWithin('client messages lost', echoesLost, [0, 0]);
                expectWithin('client messages duplicated', echoesDuplicated, [0, 0]);
                expectWithin('sessions not resumed (or resumed with a gap)', notResumed, [0, 0]);
                return m;
              },
            },
          ],
          stop_conditions: sharedMachineStopConditions(),
        };
      },
    );
  },
};
