import WebSocket from 'ws';
import type { Scenario } from '../../runner/scenario.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { pollUntil } from '../harness/poll-until.js';
import { sharedMachineStopConditions } from '../harness/scenario-steps.js';
import { runOnWebSocketStack } from '../harness/websocket-stack.js';
import { percentile } from './session-client-fleet.js';
import { type WebSocketControl, webSocketChange } from './websocket-controls.js';

/** Well-behaved clients, each sending one message every SEND_EVERY_MS and timing its echo. */
const CLIENTS = 20;
const SEND_EVERY_MS = 100;
const STEADY_MS = 2500;
/** The flood: as fast as the socket drains, at most FLOOD_MAX messages or FLOOD_MS. */
const FLOOD_MS = 3000;
const FLOOD_MAX = 60_000;
const FLOOD_MESSAGE = 'f'.repeat(64);
/** Keep at most this much queued in the flooder's socket (bytes): it floods the wire, not its own heap. */
const FLOOD_HIGH_WATER = 1 << 20;
const AFTER_MS = 1500;
/** The per-connection limit under test: 50 messages/s sustained, bursts of 100. */
const LIMITS = { messagesPerSecond: 50, messageBurst: 100, onExceed: 'close' } as const;
/** The hypothesis: the flooder is closed this soon after its flood starts. */
const CLOSE_WITHIN_MS = 1000;
/**
 * The hypothesis: the other clients' echo p99 during the flood stays under
 * max(FACTOR × steady p99, steady p99 + SLACK_MS). The slack absorbs a shared machine's
 * scheduling hiccups on a steady p99 of a few ms.
 */
const P99_FACTOR = 3;
const P99_SLACK_MS = 50;

/** A well-behaved client: its echo round trips, by send time. */
interface Sender {
  readonly ws: WebSocket;
  readonly rtts: { sentAt: number; rttMs: number }[];
  readonly pending: Map<number, number>;
  sent: number;
  closedWith: number | undefined;
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * Its negative control. "None of the others closed, no echo lost" are guards: nothing in the
 * gateway's config makes it close or drop a well-behaved client's messages.
 */
const controls: readonly WebSocketControl[] = [
  {
    name: 'message_rate_limit_off',
    claim: 'the flooder is closed with 1008 and the other clients keep their echo latency',
    change: 'websocket.limits.messagesPerSecond 0 (no per-connection message rate)',
    stack: { limits: { ...LIMITS, messagesPerSecond: 0 } },
    misses: ['echo p99 of the other clients', 'flooder’s close'],
  },
];

/**
 * One client floods the gateway with small messages as fast as its socket drains, beside 20
 * clients that each send 10 messages per second and time their echoes. Hypothesis: the
 * per-connection message rate limit closes the flooder with 1008 within 1 s, and the other
 * clients' echo p99 during the flood stays within max(3 × steady p99, steady p99 + 50 ms), with
 * none of them closed and no echo lost.
 */
export const messageFlooding: Scenario = {
  id: 'websocket.message-flooding',
  category: 'websocket',
  name: 'message_flooding',
  title: 'Message flooding: one WebSocket client floods, the others keep their latency',
  description:
    `One client sends 64-byte messages as fast as its socket drains (≤ ${FLOOD_MAX} in ${FLOOD_MS} ms) beside ` +
    `${CLIENTS} clients sending ${1000 / SEND_EVERY_MS} messages/s each; limit ${LIMITS.messagesPerSecond} messages/s ` +
    `(burst ${LIMITS.messageBurst}) per connection. Hypothesis: the other clients' echo p99 during the flood stays ` +
    `within max(${P99_FACTOR} × steady p99, steady p99 + ${P99_SLACK_MS} ms), none of them is closed and no echo is ` +
    `lost; the flooder is closed with 1008 within ${CLOSE_WITHIN_MS} ms.`,
  needs: ['free-ports'],
  timeoutMs: 60_000,
  tags: ['websocket', 'rate-limit', 'isolation'],
  controls,
  run: (ctx) => {
    const change = webSocketChange(ctx, controls);
    return runOnWebSocketStack(
      ctx,
      {
        upstreams: 2,
        // Plain relay (no sessions): the limit, not the session log, is under test.
        websocket: { limits: { acceptsPerSecond: 2000, acceptBurst: 500, ...(change.limits ?? LIMITS) } },
      },
      (stack) => {
        const senders: Sender[] = [];
        let ticker: NodeJS.Timeout | undefined;
        let flooder: WebSocket | undefined;
        let floodStart = 0;
        let floodEnd = 0;
        let flooded = 0;
        let flooderClosed: { code: number; at: number } | undefined;
        ctx.onCleanup(() => {
          clearInterval(ticker);
          for (const s of senders) s.ws.terminate();
          flooder?.terminate();
        });
        const sendRound = () => {
          const now = performance.now();
          for (const s of senders) {
            if (s.ws.readyState !== WebSocket.OPEN) continue;
            const seq = ++s.sent;
            s.pending.set(seq, now);
            s.ws.send(`echo:${seq}`);
          }
        };
        return {
          title: messageFlooding.title,
          category: 'websocket',
          method: [
            {
              type: 'action',
              name: 'connect the clients and reach the steady state',
              run: async ({ signal }) => {
                for (let i = 0; i < CLIENTS; i++) {
                  const ws = await openSocket(stack.url);
                  const s: Sender = { ws, rtts: [], pending: new Map(), sent: 0, closedWith: undefined };
                  ws.on('message', (data) => {
                    const seq = Number(data.toString());
                    const sentAt = s.pending.get(seq);
                    if (sentAt === undefined) return;
                    s.pending.delete(seq);
                    s.rtts.push({ sentAt, rttMs: performance.now() - sentAt });
                  });
                  ws.on('close', (code) => {
                    s.closedWith = code;
                  });
                  ws.on('error', () => {});
                  senders.push(s);
                }
                flooder = await openSocket(stack.url);
                flooder.on('error', () => {});
                flooder.on('message', () => {});
                flooder.on('close', (code) => {
                  flooderClosed = { code, at: performance.now() };
                });
                ticker = setInterval(sendRound, SEND_EVERY_MS);
                await new Promise((r) => setTimeout(r, STEADY_MS));
                signal.throwIfAborted();
              },
            },
            {
              type: 'action',
              name: 'flood from one client',
              run: async ({ signal }) => {
                ctx.setPhase('inject');
                const ws = flooder;
                if (!ws) throw new Error('the flooder is not connected');
                floodStart = performance.now();
                // Bounded in count and time; yields to the event loop between batches, so the
                // other clients' timers and echoes keep running in this process.
                while (
                  ws.readyState === WebSocket.OPEN &&
                  flooded < FLOOD_MAX &&
                  performance.now() - floodStart < FLOOD_MS &&
                  !signal.aborted
                ) {
                  for (let i = 0; i < 200 && ws.bufferedAmount < FLOOD_HIGH_WATER; i++) {
                    ws.send(FLOOD_MESSAGE);
                    flooded++;
                  }
                  await new Promise((r) => setTimeout(r, 1));
                }
                floodEnd = performance.now();
                ctx.setPhase('recover');
              },
            },
            {
              type: 'action',
              name: 'let the other clients run on, then stop them',
              run: async ({ signal }) => {
                await new Promise((r) => setTimeout(r, AFTER_MS));
                clearInterval(ticker);
                // The last echoes may still be on their way.
                await pollUntil(async () => (senders.every((s) => s.pending.size === 0) ? true : undefined), {
                  timeoutMs: 5000,
                  intervalMs: 20,
                  signal,
                }).catch(() => undefined);
              },
            },
            {
              type: 'action',
              name: 'judge: the flooder closed, the others unaffected',
              run: async ({ setMetric }) => {
                const between = (from: number, to: number) =>
                  senders.flatMap((s) =>
                    s.rtts.filter((r) => r.sentAt >= from && r.sentAt < to).map((r) => r.rttMs),
                  );
                const steady = between(0, floodStart);
                const during = between(floodStart, Math.max(floodEnd, floodStart + FLOOD_MS));
                const steadyP99 = percentile(steady, 0.99);
                const duringP99 = percentile(during, 0.99);
                const lost = senders.reduce((n, s) => n + s.pending.size, 0);
                const othersClosed = senders.filter((s) => s.closedWith !== undefined).length;
                const closeMs = flooderClosed ? flooderClosed.at - floodStart : Number.POSITIVE_INFINITY;
                const stats = await stack.stats().catch(() => undefined);
                const m = {
                  flood_messages_sent: flooded,
                  flood_ms: Math.round(floodEnd - floodStart),
                  flooder_close_code: flooderClosed?.code ?? 0,
                  flooder_closed_after_ms: flooderClosed ? Math.round(closeMs) : -1,
                  echo_p99_steady_ms: Math.round(steadyP99 * 10) / 10,
                  echo_p99_flood_ms: Math.round(duringP99 * 10) / 10,
                  echoes_steady: steady.length,
                  echoes_flood: during.length,
                  echoes_lost: lost,
                  other_clients_closed: othersClosed,
                  // Extra detail from the gateway's own counter (not judged).
                  gateway_rate_closed: stats?.rateClosed ?? -1,
                };
                for (const [k, v] of Object.entries(m)) setMetric(k, v);
                expectWithin('echoes the well-behaved clients measured during the flood', during.length, [
                  CLIENTS,
                  Number.POSITIVE_INFINITY,
                ]);
                expectWithin(
                  'echo p99 of the other clients during the flood',
                  duringP99,
                  [0, Math.max(P99_FACTOR * steadyP99, steadyP99 + P99_SLACK_MS)],
                  ' ms',
                );
                expectWithin('other clients closed', othersClosed, [0, 0]);
                expectWithin('echoes of the other clients lost', lost, [0, 0]);
                expectWithin(
                  'time from the flood to the flooder’s close',
                  closeMs,
                  [0, CLOSE_WITHIN_MS],
                  ' ms',
                );
                expectWithin('the flooder’s close code', flooderClosed?.code ?? 0, [1008, 1008]);
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
