import { declaredControl, type ScenarioControl } from '../../runner/control.js';
import type { Scenario } from '../../runner/scenario.js';
import type { WebSocketLimitsConfig } from '../../stack/websocket/websocket-config.js';
import { ResilientWebSocket } from '../../ws-client/index.js';
import { expectAllWithin, HypothesisMissError } from '../harness/hypothesis-miss.js';
import { recordMetrics } from '../harness/judge.js';
import { pollUntil } from '../harness/poll-until.js';
import { sharedMachineStopConditions } from '../harness/scenario-steps.js';
import { runOnWebSocketStack, type WebSocketStack } from '../harness/websocket-stack.js';

/** The storm: this many clients, their first dials spread evenly over DIAL_SPREAD_MS. */
const CONNECTIONS = 5000;
const DIAL_SPREAD_MS = 1000;
const DIAL_BATCH = 50;
/**
 * The gateway's accept-rate limit under test: half of what this 2-core machine accepts without one
 * (~490 sessions/s, measured by the control), so that the limit, not the machine, sets the pace.
 */
const ACCEPTS_PER_SECOND = 250;
const ACCEPT_BURST = 250;
/** The clients' reconnect back-off (full jitter, as every `faultline/ws-client`). */
const BACKOFF = { baseMs: 500, capMs: 8000 };
/** Every client must be connected this soon after the first dial. */
const CONNECT_ALL_WITHIN_MS = 45_000;
/**
 * Then every connection must stay up this long, and carry one message of MESSAGE_BYTES to the
 * upstream and its echo back within ECHO_WITHIN_MS.
 */
const HOLD_MS = 3000;
const MESSAGE_BYTES = 1500;
const ECHO_WITHIN_MS = 15_000;
/**
 * The accept-rate bound, from the clients: in every window of WINDOW_MS, sessions opened ≤
 * (burst + rate × window) × ACCEPT_SLACK. The slack absorbs the clients' own timestamps: a busy
 * test process handles the welcomes of a few hundred ms at once.
 */
const WINDOW_MS = 2000;
const ACCEPT_SLACK = 1.15;
/**
 * Gateway memory: its RSS (sampled every 200 ms from /proc) may grow by at most this much per
 * connection held (client and upstream socket, session). Measured 27–32 KiB with sessions and one
 * echoed message each; with permessage-deflate on, ~245 KiB (zlib contexts).
 */
const RSS_PER_CONNECTION_MAX_KIB = 64;

/** What a control changes: the gateway's accept limits, or the clients' attempts. */
export interface ConnectionStormChange {
  /** Overrides of the gateway's `websocket.limits`. */
  limits?: Partial<WebSocketLimitsConfig>;
  /** Each client gives up after this many failed attempts in a row. @default Infinity */
  clientMaxAttempts?: number;
  /** permessage-deflate: the gateway's `websocket.perMessageDeflate`, and the clients offer it. @default false */
  perMessageDeflate?: boolean;
}

/** The negative controls: each removes one capability the scenario claims. */
const connectionStormControls: readonly ScenarioControl<ConnectionStormChange>[] = [
  {
    name: 'accept_rate_limit_off',
    claim: `the accept-rate limit holds (sessions opened in any ${WINDOW_MS / 1000} s ≤ (burst + rate × window) × ${ACCEPT_SLACK})`,
    change: 'websocket.limits.acceptsPerSecond 0 (no accept-rate limit)',
    stack: { limits: { acceptsPerSecond: 0 } },
  },
  {
    name: 'per_message_deflate_on',
    claim: `the gateway's RSS grows by ≤ ${RSS_PER_CONNECTION_MAX_KIB} KiB per connection`,
    change: 'websocket.perMessageDeflate true and the clients offer it (zlib contexts per connection)',
    stack: { perMessageDeflate: true },
  },
  {
    name: 'client_retry_off',
    claim: 'every client ends up connected (a refused handshake is retried with back-off)',
    change: 'ws-client maxAttempts 1 (a refused client gives up)',
    stack: { clientMaxAttempts: 1 },
  },
];

/**
 * The most sessions opened in any window of `windowMs` (`times` in ms, any order). Two pointers
 * over the sorted times: each window starts at an open.
 */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (j < sorted.length && (sorted[j] as number) < (sorted[i] as number) + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

/** One storm client: when its sessions opened and why its attempts failed. */
interface StormClient {
  readonly client: ResilientWebSocket;
  readonly opens: number[];
  /** Close codes of failed attempts and drops (1006: refused handshake or reset). */
  readonly disconnects: { at: number; code: number }[];
  /** Echoes of its message received. */
  echoes: number;
}

/**
 * A connection storm: 5,000 `faultline/ws-client` session clients dial the gateway within 1 s (as
 * fast as this process can create them: 2–5 s on the shared machine), on loopback, straight to the
 * gateway. Hypothesis, from the clients (and /proc for memory): all of them end up connected within
 * 45 s (refused handshakes get 503 + Retry-After and retry with full-jitter back-off), stay so for
 * 3 s and each gets one 1,500-byte message echoed by the upstream; the accept-rate limit holds
 * (sessions opened in any 2 s window ≤ (250 + 250 × 2) × 1.15); the gateway's RSS grows by at most
 * 64 KiB per connection. File descriptors: the gateway holds two per connection (client, upstream),
 * this process one; Node raises its soft RLIMIT_NOFILE to the hard one at start, so the need
 * `open-files` checks the hard limit (≥ 16,384).
 */
export const connectionStorm: Scenario = {
  id: 'websocket.connection-storm',
  category: 'websocket',
  name: 'connection_storm',
  title: 'Connection storm: 5,000 WebSocket clients dial in a burst',
  description:
    `${CONNECTIONS} ws-client session clients dial the gateway within ${DIAL_SPREAD_MS} ms on loopback; accept limit ` +
    `${ACCEPTS_PER_SECOND}/s (burst ${ACCEPT_BURST}); refused handshakes (503 + Retry-After) retry with full-jitter ` +
    `back-off (${BACKOFF.baseMs} ms base, ${BACKOFF.capMs} ms cap). Hypothesis, from the clients and /proc: all are ` +
    `connected within ${CONNECT_ALL_WITHIN_MS / 1000} s and stay so for ${HOLD_MS / 1000} s; sessions opened in any ` +
    `${WINDOW_MS / 1000} s window ≤ (burst + rate × window) × ${ACCEPT_SLACK}; the gateway's RSS grows by ≤ ` +
    `${RSS_PER_CONNECTION_MAX_KIB} KiB per connection.`,
  needs: ['redis', 'free-ports', 'open-files'],
  timeoutMs: 120_000,
  tags: ['websocket', 'accept-rate', 'memory', 'sessions'],
  controls: connectionStormControls,
  run: (ctx) => {
    const change = declaredControl(connectionStormControls, ctx.control)?.stack;
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
          ...(change?.perMessageDeflate ? { perMessageDeflate: true } : {}),
          limits: {
            acceptsPerSecond: ACCEPTS_PER_SECOND,
            acceptBurst: ACCEPT_BURST,
            ...change?.limits,
          },
        },
      },
      (stack: WebSocketStack) => {
        const clients: StormClient[] = [];
        const closeAll = async () => {
          await Promise.all(
            clients.map((c) =>
              Promise.race([c.client.close(), new Promise((r) => setTimeout(r, 3000).unref())]),
            ),
          );
        };
        ctx.onCleanup(closeAll);
        const rss: number[] = [];
        let sampler: NodeJS.Timeout | undefined;
        ctx.onCleanup(() => clearInterval(sampler));
        let baseRss = 0;
        let firstDial = 0;
        let allConnectedAt = 0;
        const connected = () => clients.filter((c) => c.client.connected).length;
        return {
          title: connectionStorm.title,
          category: 'websocket',
          method: [
            {
              type: 'action',
              name: `dial ${CONNECTIONS} clients within ${DIAL_SPREAD_MS} ms`,
              run: async ({ setMetric, signal }) => {
                baseRss = await stack.gatewayRssBytes();
                sampler = setInterval(() => {
                  stack.gatewayRssBytes().then(
                    (b) => rss.push(b),
                    () => {},
                  );
                }, 200);
                ctx.setPhase('inject');
                firstDial = performance.now();
                const batches = CONNECTIONS / DIAL_BATCH;
                for (let b = 0; b < batches; b++) {
                  signal.throwIfAborted();
                  for (let i = b * DIAL_BATCH; i < (b + 1) * DIAL_BATCH; i++) {
                    const client = new ResilientWebSocket(stack.directUrl, {
                      backoff: BACKOFF,
                      random: ctx.rng.fork(`client-${i}`),
                      connectTimeoutMs: 30_000,
                      ...(change?.perMessageDeflate ? { wsOptions: { perMessageDeflate: true } } : {}),
                      ...(change?.clientMaxAttempts ? { maxAttempts: change.clientMaxAttempts } : {}),
                    });
                    const c: StormClient = { client, opens: [], disconnects: [], echoes: 0 };
                    client.onOpen(() => c.opens.push(performance.now()));
                    client.onMessage(({ data }) => {
                      if (data.length >= MESSAGE_BYTES) c.echoes++;
                    });
                    client.onDisconnect(({ code }) => c.disconnects.push({ at: performance.now(), code }));
                    clients.push(c);
                  }
                  const next = firstDial + ((b + 1) * DIAL_SPREAD_MS) / batches;
                  await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
                }
                setMetric('dial_ms', Math.round(performance.now() - firstDial));
              },
            },
            {
              type: 'action',
              name: 'wait until every client is connected',
              run: async ({ setMetric, signal }) => {
                await pollUntil(async () => (connected() === CONNECTIONS ? true : undefined), {
                  timeoutMs: CONNECT_ALL_WITHIN_MS - (performance.now() - firstDial),
                  intervalMs: 100,
                  signal,
                }).catch((err: unknown) => {
                  // Not all connected in time: judged below, with the figures.
                  if (!(err instanceof HypothesisMissError)) throw err;
                });
                allConnectedAt = performance.now();
                setMetric('connected_after_storm', connected());
                setMetric('connect_all_ms', Math.round(allConnectedAt - firstDial));
              },
            },
            {
              type: 'action',
              name: `hold every connection for ${HOLD_MS} ms; each carries one message and its echo`,
              run: async ({ setMetric, signal }) => {
                ctx.setPhase('observe');
                const held = new Promise((r) => setTimeout(r, HOLD_MS));
                const payload = 'm'.repeat(MESSAGE_BYTES);
                for (const c of clients) if (c.client.connected) c.client.send(`echo:${payload}`);
                const echoed = await pollUntil(
                  async () => (clients.every((c) => c.echoes > 0) ? true : undefined),
                  { timeoutMs: ECHO_WITHIN_MS, intervalMs: 100, signal },
                ).catch((err: unknown) => {
                  if (!(err instanceof HypothesisMissError)) throw err;
                });
                setMetric('echo_all_ms', echoed ? Math.round(echoed.elapsedMs) : -1);
                await held;
                clearInterval(sampler);
              },
            },
            {
              type: 'action',
              name: 'judge the storm',
              run: async ({ setMetric }) => {
                const opens = clients.flatMap((c) => c.opens);
                const peakWindow = maxInWindow(opens, WINDOW_MS);
                const windowBound = ACCEPT_BURST + (ACCEPTS_PER_SECOND * WINDOW_MS) / 1000;
                const sorted = [...opens].sort((a, b) => a - b);
                const spanMs = (sorted.at(-1) ?? 0) - (sorted[0] ?? 0);
                const refusedAttempts = clients.reduce(
                  (n, c) => n + c.disconnects.filter((d) => d.at < allConnectedAt).length,
                  0,
                );
                const dropsInHold = clients.reduce(
                  (n, c) => n + c.disconnects.filter((d) => d.at >= allConnectedAt).length,
                  0,
                );
                const endConnected = connected();
                const echoed = clients.filter((c) => c.echoes > 0).length;
                const peakRss = Math.max(baseRss, ...rss);
                const perConnectionKiB = (peakRss - baseRss) / 1024 / Math.max(1, endConnected);
                const stats = await stack.stats().catch(() => undefined);
                const m = recordMetrics(setMetric, {
                  connected_at_end: endConnected,
                  sessions_opened: opens.length,
                  refused_attempts: refusedAttempts,
                  drops_while_held: dropsInHold,
                  clients_echoed: echoed,
                  opens_max_in_2s: peakWindow,
                  opens_bound_2s: windowBound,
                  accepts_per_s_overall: spanMs > 0 ? Math.round((opens.length * 1000) / spanMs) : -1,
                  gateway_rss_base_mib: Math.round(baseRss / 1048576),
                  gateway_rss_peak_mib: Math.round(peakRss / 1048576),
                  gateway_rss_end_mib: Math.round((rss.at(-1) ?? baseRss) / 1048576),
                  gateway_rss_per_connection_kib: Math.round(perConnectionKiB * 10) / 10,
                  // Extra detail from the gateway's own counters (not judged).
                  gateway_accepted: stats?.accepted ?? -1,
                  gateway_shed: stats?.shed ?? -1,
                });
                // Every claim is judged and every miss named: a control fails for its own claim.
                expectAllWithin([
                  [
                    `sessions opened in the busiest ${WINDOW_MS / 1000} s`,
                    peakWindow,
                    [0, windowBound * ACCEPT_SLACK],
                  ],
                  [
                    "the gateway's RSS growth per connection",
                    perConnectionKiB,
                    [0, RSS_PER_CONNECTION_MAX_KIB],
                    ' KiB',
                  ],
                  ['clients connected at the end of the hold', endConnected, [CONNECTIONS, CONNECTIONS]],
                  ['disconnections while every client was held', dropsInHold, [0, 0]],
                  ['clients whose message came back echoed', echoed, [CONNECTIONS, CONNECTIONS]],
                ]);
                return m;
              },
            },
            {
              type: 'action',
              name: 'close every client',
              run: async () => {
                ctx.setPhase('recover');
                await closeAll();
              },
            },
          ],
          stop_conditions: sharedMachineStopConditions(),
        };
      },
    );
  },
};
