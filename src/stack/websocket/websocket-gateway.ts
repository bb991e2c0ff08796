import { randomBytes } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { CloseCode, relayableCode } from './close-codes.js';
import { dialUpstream } from './dial-upstream.js';
import { Heartbeat } from './heartbeat.js';
import { ResumeTokens } from './resume-token.js';
import { Session } from './session.js';
import { SessionLog } from './session-log.js';
import { LAST_PARAM, RESUME_PARAM } from './session-protocol.js';
import { TokenBucket } from './token-bucket.js';
import type { WebSocketUpstreamHost, WebSocketUpstreams } from './upstreams.js';
import type { WebSocketConfig } from './websocket-config.js';

/** Counters since start, plus current gauges (the admin API shows them under `websocket`). */
export interface WebSocketStats {
  /** Open client connections. */
  connections: number;
  /** Open upstream connections (held sessions included). */
  upstreamConnections: number;
  /** Sessions owned here; `detached` of them wait for their client to resume. */
  sessions: number;
  detached: number;
  accepted: number;
  /** Upgrades refused by the accept-rate limit or `maxConnections` (503). */
  shed: number;
  /** Upgrades refused because no upstream could be reached (502/503). */
  upstreamFailures: number;
  resumed: number;
  /** Messages replayed to resuming clients. */
  replayed: number;
  /** Resumes whose client was further behind than the log (`gap: true`). */
  gaps: number;
  /** Client messages dropped as already taken (offline buffer resent). */
  duplicatesDropped: number;
  /** Closed 1008 for exceeding the message rate. */
  rateClosed: number;
  /** Times a client's reading was paused by the message rate (`onExceed: throttle`). */
  throttled: number;
  /** Closed 1009 for an oversized message. */
  sizeClosed: number;
  /** Peers terminated for missing a heartbeat. */
  deadPeers: number;
}

export interface WebSocketGatewayOptions<H extends WebSocketUpstreamHost> {
  config: WebSocketConfig;
  upstreams: WebSocketUpstreams<H>;
  /** Names this instance as a session owner in Redis. Default: random. */
  instanceId?: string;
}

/**
 * The WebSocket side of the gateway. `handleUpgrade` takes an HTTP upgrade from the gateway's
 * server: admission (accept rate, connection cap), session resume, an upstream connection picked by
 * the cluster's balancer, then relaying with per-connection limits and heartbeats. With sessions
 * off it relays frames untouched; with sessions on it speaks the envelope of `session-protocol.ts`.
 */
export class WebSocketGateway<H extends WebSocketUpstreamHost = WebSocketUpstreamHost> {
  readonly config: WebSocketConfig;
  readonly instanceId: string;
  private readonly upstreams: WebSocketUpstreams<H>;
  private readonly wss: WebSocketServer;
  private readonly acceptBucket: TokenBucket;
  private readonly heartbeat: Heartbeat;
  private readonly log: SessionLog | undefined;
  private readonly tokens: ResumeTokens | undefined;
  private readonly clients = new Set<WebSocket>();
  private readonly upstreamSockets = new Set<WebSocket>();
  private readonly sessions = new Map<string, Session>();
  /** The subprotocol each pending upgrade's upstream chose (for the client handshake). */
  private readonly chosenProtocol = new WeakMap<IncomingMessage, string>();
  private pendingUpgrades = 0;
  private closing = false;
  private readonly counts = {
    accepted: 0,
    shed: 0,
    upstreamFailures: 0,
    resumed: 0,
    replayed: 0,
    gaps: 0,
    duplicatesDropped: 0,
    rateClosed: 0,
    throttled: 0,
    sizeClosed: 0,
  };

  constructor(options: WebSocketGatewayOptions<H>) {
    const config = options.config;
    this.config = config;
    this.upstreams = options.upstreams;
    this.instanceId = options.instanceId ?? randomBytes(8).toString('hex');
    this.wss = new WebSocketServer({
      noServer: true,
      // A backstop at 2× the limit refuses a huge frame at its header; up to it, our own check closes
      // 1009 with a reason.
      maxPayload: config.limits.maxMessageBytes * 2,
      perMessageDeflate: config.perMessageDeflate,
      clientTracking: false,
      handleProtocols: (_protocols, req) => this.chosenProtocol.get(req) ?? false,
    });
    this.acceptBucket = new TokenBucket(config.limits.acceptsPerSecond, config.limits.acceptBurst);
    this.heartbeat = new Heartbeat(config.heartbeat.intervalMs, () => {
      for (const s of this.sessions.values()) s.touch();
    });
    const sessions = config.sessions;
    if (sessions?.enabled) {
      this.tokens = new ResumeTokens(sessions.secret);
      this.log = new SessionLog({
        redisUrl: sessions.redisUrl,
        keyPrefix: sessions.keyPrefix,
        ttlMs: sessions.resumeWindowMs,
        maxLogMessages: sessions.maxLogMessages,
        commandTimeoutMs: sessions.commandTimeoutMs,
      });
    }
  }

  /** Connects the session log (if any) and starts the heartbeat. */
  async start(): Promise<void> {
    await this.log?.connect();
    this.heartbeat.start();
  }

  /** Whether an upgrade for this request target is ours. */
  matches(url: string | undefined): boolean {
    return (url ?? '/').startsWith(this.config.pathPrefix);
  }

  stats(): WebSocketStats {
    let detached = 0;
    for (const s of this.sessions.values()) if (!s.attached) detached++;
    return {
      connections: this.clients.size,
      upstreamConnections: this.upstreamSockets.size,
      sessions: this.sessions.size,
      detached,
      ...this.counts,
      deadPeers: this.heartbeat.deadPeers,
    };
  }

  /** Takes an HTTP upgrade (the server's 'upgrade' event). Never throws; refusals are HTTP answers. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {
      // A client reset mid-handshake; nothing to answer.
    });
    const limits = this.config.limits;
    if (this.closing) {
      this.refuse(socket, 503, 'gateway shutting down', 1);
      return;
    }
    if (!this.acceptBucket.take()) {
      this.counts.shed++;
      const retryAfter = Math.max(1, Math.ceil(this.acceptBucket.waitMs() / 1000));
      this.refuse(socket, 503, 'accept rate exceeded', retryAfter);
      return;
    }
    if (limits.maxConnections > 0 && this.clients.size + this.pendingUpgrades >= limits.maxConnections) {
      this.counts.shed++;
      this.refuse(socket, 503, `connection limit ${limits.maxConnections} reached`, 1);
      return;
    }
    this.pendingUpgrades++;
    this.admit(req, socket, head).then(
      () => this.pendingUpgrades--,
      () => {
        this.pendingUpgrades--;
        this.refuse(socket, 500, 'internal error');
      },
    );
  }

  private async admit(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const token = url.searchParams.get(RESUME_PARAM);
    const last = Math.max(0, Math.floor(Number(url.searchParams.get(LAST_PARAM)) || 0));
    url.searchParams.delete(RESUME_PARAM);
    url.searchParams.delete(LAST_PARAM);
    const path = url.pathname + url.search;
    const protocols = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    const headers: Record<string, string> = {
      'x-forwarded-for': req.socket.remoteAddress ?? '',
      'x-forwarded-proto': 'ws',
    };

    if (!this.log || !this.tokens) {
      const dialed = await this.dial(path, protocols, headers);
      if (!(dialed instanceof WebSocket)) return this.refuse(socket, dialed.status, dialed.message, 1);
      if (socket.destroyed) return void dialed.close(CloseCode.goingAway, 'client gone');
      this.chosenProtocol.set(req, dialed.protocol);
      this.wss.handleUpgrade(req, socket, head, (client) => this.relay(client, dialed));
      return;
    }

    // Sessions: resume if the token is ours and the session still lives, else start one.
    const log = this.log;
    let sid = token ? this.tokens.verify(token) : undefined;
    const claim = sid ? await log.claim(sid, this.instanceId) : undefined;
    let session = sid && claim ? this.sessions.get(sid) : undefined;
    if (session && !session.upstreamOpen) session = undefined;
    if (!claim) sid = undefined;
    if (!session) {
      const isNew = sid === undefined;
      const id = sid ?? this.tokens.newSessionId();
      if (isNew) await log.create(id, this.instanceId);
      const dialed = await this.dial(path, protocols, {
        ...headers,
        'x-faultline-session': id,
        ...(isNew ? {} : { 'x-faultline-resumed': '1' }),
      });
      if (!(dialed instanceof WebSocket)) {
        if (isNew) await log.end(id, this.instanceId).catch(() => {});
        return this.refuse(socket, dialed.status, dialed.message, 1);
      }
      // A session this instance held before but whose upstream died: let go of it first.
      this.sessions.get(id)?.abandon(CloseCode.sessionMoved, 'session restarted');
      session = new Session(
        id,
        dialed,
        this.instanceId,
        log,
        this.config.sessions?.resumeWindowMs ?? 120_000,
        {
          onGone: (s) => {
            if (this.sessions.get(s.sid) === s) this.sessions.delete(s.sid);
          },
          onReplay: (n, gap) => {
            this.counts.replayed += n;
            if (gap) this.counts.gaps++;
          },
          onDuplicate: () => this.counts.duplicatesDropped++,
        },
      );
      this.sessions.set(id, session);
      sid = id;
    }
    if (claim) this.counts.resumed++;
    if (socket.destroyed) return;
    const s = session;
    const sessionId = sid as string;
    this.chosenProtocol.set(req, s.upstream.protocol);
    this.wss.handleUpgrade(req, socket, head, (client) => {
      this.track(client, (data, binary) => s.receive(client, data, binary));
      s.attach(
        client,
        this.tokens?.sign(sessionId) ?? '',
        claim !== undefined,
        claim ? last : 0,
        claim?.cin ?? 0,
      );
    });
  }

  /** Dials an upstream and tracks it; the refusal to send when none could be reached. */
  private async dial(
    path: string,
    protocols: string[],
    headers: Record<string, string>,
  ): Promise<WebSocket | { status: 502 | 503; message: string }> {
    const r = await dialUpstream(this.upstreams, {
      path,
      protocols,
      headers,
      connectTimeoutMs: this.config.connectTimeoutMs,
      maxAttempts: this.config.maxConnectAttempts,
    });
    if (!r.ok) {
      this.counts.upstreamFailures++;
      return r;
    }
    const host = r.host;
    host.activeRequests++;
    this.upstreamSockets.add(r.ws);
    this.heartbeat.add(r.ws);
    r.ws.once('close', () => {
      host.activeRequests--;
      this.upstreamSockets.delete(r.ws);
      this.heartbeat.delete(r.ws);
    });
    return r.ws;
  }

  /** Sessions off: frames go both ways untouched; either side closing closes the other. */
  private relay(client: WebSocket, upstream: WebSocket): void {
    this.track(client, (data, binary) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
    });
    upstream.on('message', (data: Buffer, binary: boolean) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary });
    });
    upstream.on('close', (code: number, reason: Buffer) => {
      if (client.readyState <= WebSocket.OPEN)
        client.close(relayableCode(code), reason.toString().slice(0, 120));
    });
    upstream.on('error', () => {});
    client.on('close', (code: number, reason: Buffer) => {
      if (upstream.readyState <= WebSocket.OPEN)
        upstream.close(relayableCode(code), reason.toString().slice(0, 120));
    });
  }

  /** Registers an accepted client: heartbeats, size and rate limits, then `onMessage`. */
  private track(client: WebSocket, onMessage: (data: Buffer, binary: boolean) => void): void {
    this.counts.accepted++;
    this.clients.add(client);
    this.heartbeat.add(client);
    client.on('error', () => {});
    client.once('close', () => {
      this.clients.delete(client);
      this.heartbeat.delete(client);
    });
    const limits = this.config.limits;
    const bucket =
      limits.messagesPerSecond > 0
        ? new TokenBucket(limits.messagesPerSecond, limits.messageBurst)
        : undefined;
    let paused = false;
    client.on('message', (data: Buffer, binary: boolean) => {
      if (client.readyState !== WebSocket.OPEN) return;
      if (data.length > limits.maxMessageBytes) {
        this.counts.sizeClosed++;
        client.close(
          CloseCode.messageTooBig,
          `message of ${data.length} bytes exceeds ${limits.maxMessageBytes}`,
        );
        return;
      }
      if (bucket && !bucket.take()) {
        if (limits.onExceed === 'close') {
          this.counts.rateClosed++;
          client.close(CloseCode.policyViolation, `message rate exceeded (${limits.messagesPerSecond}/s)`);
          return;
        }
        // Throttle: this message passes, reading stops until a token is back.
        if (!paused) {
          paused = true;
          this.counts.throttled++;
          client.pause();
          setTimeout(() => {
            paused = false;
            bucket.take();
            client.resume();
          }, bucket.waitMs()).unref();
        }
      }
      onMessage(data, binary);
    });
  }

  private refuse(socket: Duplex, status: number, message: string, retryAfter?: number): void {
    if (socket.destroyed) return;
    const body = JSON.stringify({ error: message, status });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n${retryAfter ? `Retry-After: ${retryAfter}\r\n` : ''}\r\n${body}`,
    );
  }

  /**
   * Closes every client (1001) and upstream; sessions stay in Redis, so their clients resume on
   * another instance. Resolves when every socket is closed (terminated after `timeoutMs`).
   */
  async close(timeoutMs = 1000): Promise<void> {
    this.closing = true;
    this.heartbeat.stop();
    for (const s of [...this.sessions.values()]) s.abandon(CloseCode.goingAway, 'gateway shutting down');
    const sockets = [...this.clients, ...this.upstreamSockets];
    for (const ws of sockets)
      if (ws.readyState <= WebSocket.OPEN) ws.close(CloseCode.goingAway, 'gateway shutting down');
    const closed = Promise.all(
      sockets.map((ws) =>
        ws.readyState === WebSocket.CLOSED
          ? undefined
          : new Promise<void>((r) => ws.once('close', () => r())),
      ),
    );
    const timer = setTimeout(() => {
      for (const ws of sockets) ws.terminate();
    }, timeoutMs);
    await closed;
    clearTimeout(timer);
    await this.log?.close();
  }
}
