import { z } from 'zod';

/**
 * Sessions: resume tokens and the per-session message log in Redis Streams. Shape after Socket.IO's
 * connection state recovery (a session id and an offset per message; missed messages replayed on
 * a reconnect within `resumeWindowMs`), but the log lives in Redis, so any gateway instance can
 * resume any session.
 */
export const websocketSessionsSchema = z
  .object({
    /** Off: the gateway relays frames as they are (no envelope, no log, no resume). @default true */
    enabled: z.boolean().default(true),
    /**
     * HMAC-SHA256 key signing resume tokens; every gateway instance sharing sessions needs the same
     * one. At least 16 characters.
     * @example "change-me-to-32-random-characters"
     */
    secret: z.string().min(16, { error: 'expected a secret of at least 16 characters' }),
    /** The Redis holding the logs. @default "redis://127.0.0.1:6379" */
    redisUrl: z.string().default('redis://127.0.0.1:6379'),
    /** Prefix of every key (`<prefix>{<sid>}:meta`, `<prefix>{<sid>}:log`). @default "fl:ws:" */
    keyPrefix: z.string().default('fl:ws:'),
    /**
     * How long after a disconnection a client may resume, in ms; the upstream connection is held
     * and its messages logged meanwhile (Socket.IO's maxDisconnectionDuration, 2 min). @default 120000
     */
    resumeWindowMs: z.number().int().min(1).default(120_000),
    /**
     * Log bound per session, in messages (`XADD MAXLEN ~`: Redis trims in whole nodes, so a few
     * more may stay). A client further behind than this gets `gap: true` on resume. @default 1000
     */
    maxLogMessages: z.number().int().min(1).default(1000),
    /** Bound on each Redis command, in ms; past it the connection closes 1011. @default 1000 */
    commandTimeoutMs: z.number().int().min(1).default(1000),
  })
  .strict();
export type WebSocketSessionsConfig = z.infer<typeof websocketSessionsSchema>;

export const websocketLimitsSchema = z
  .object({
    /**
     * Largest message a client may send, in bytes; larger ones close the connection with 1009 and a
     * reason (RFC 6455 §7.4.1 "message too big"). Beyond twice this, `ws` refuses the frame at its
     * header and closes 1009 without a reason. @default 1048576
     */
    maxMessageBytes: z.number().int().min(1).default(1_048_576),
    /**
     * Per-connection token bucket: sustained messages per second from one client (0 = no limit).
     * @default 100
     */
    messagesPerSecond: z.number().min(0).default(100),
    /** Bucket size: messages a client may send at once before the rate applies. @default 200 */
    messageBurst: z.number().int().min(1).default(200),
    /**
     * Past the rate: `close` with 1008 ("policy violation") and a reason, or `throttle` (stop
     * reading the socket until a token is back: TCP back-pressure, nothing dropped). @default "close"
     */
    onExceed: z.enum(['close', 'throttle']).default('close'),
    /**
     * Gateway-wide token bucket on upgrades: new connections per second (0 = no limit); past it the
     * handshake gets 503 + Retry-After and the client backs off. @default 500
     */
    acceptsPerSecond: z.number().min(0).default(500),
    /** Upgrades accepted at once before the accept rate applies. @default 500 */
    acceptBurst: z.number().int().min(1).default(500),
    /** Open client connections at most (0 = no limit); beyond, 503. @default 0 */
    maxConnections: z.number().int().min(0).default(0),
  })
  .strict();
export type WebSocketLimitsConfig = z.infer<typeof websocketLimitsSchema>;

export const websocketHeartbeatSchema = z
  .object({
    /**
     * Ping every client and upstream this often, in ms; a peer that has not answered the previous
     * ping is terminated, so a dead peer is found within 2 × this (Socket.IO's pingInterval, 25 s).
     * 0 = off. @default 25000
     */
    intervalMs: z.number().int().min(0).default(25_000),
  })
  .strict();

/**
 * The gateway's `websocket` key. Upgrades whose path starts with `pathPrefix` go to `cluster` (the
 * same balancer and health checks as HTTP); the hosts' `http://` origins are dialled as `ws://`.
 * @example { cluster: "chat", sessions: { secret: "…" }, limits: { messagesPerSecond: 50 } }
 */
export const websocketConfigSchema = z
  .object({
    /** Upgrades under this path are WebSocket traffic; others get 404. @default "/" */
    pathPrefix: z.string().startsWith('/').default('/'),
    /** The cluster dialled for each connection. Default: the gateway's first cluster. */
    cluster: z.string().optional(),
    /** Upstream WebSocket handshake timeout, in ms; a failed host is tried once more elsewhere. @default 2000 */
    connectTimeoutMs: z.number().int().min(1).default(2000),
    /** Hosts tried per connection before the client gets 502. @default 2 */
    maxConnectAttempts: z.number().int().min(1).default(2),
    /**
     * Negotiate permessage-deflate (RFC 7692) with clients that offer it. Saves bandwidth on
     * compressible messages, but each such connection keeps its own zlib contexts (hundreds of KiB;
     * `ws` warns of memory fragmentation under many connections), so gateway memory per connection
     * is no longer small. Upstream connections are never compressed. @default false
     */
    perMessageDeflate: z.boolean().default(false),
    sessions: websocketSessionsSchema.optional(),
    limits: websocketLimitsSchema.default(websocketLimitsSchema.parse({})),
    heartbeat: websocketHeartbeatSchema.default({ intervalMs: 25_000 }),
  })
  .strict();
export type WebSocketConfig = z.infer<typeof websocketConfigSchema>;
export type WebSocketConfigInput = z.input<typeof websocketConfigSchema>;
