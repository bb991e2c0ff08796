import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { isFaultlineError } from '../../common/errors.js';
import type { EventEmitter } from '../../common/event.js';
import {
  BodyTooLargeError,
  checkRequestHead,
  type HttpLimits,
  RequestTimeoutError,
} from '../../common/http/index.js';
import { isBrokenCircuitError } from '../breaker/broken-circuit-error.js';
import type { PolicyContext, RequestInfo } from '../policy/policy.js';
import { isIdempotentRequest } from '../retry/idempotency.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forwarding-headers.js';
import {
  BadRequestTargetError,
  ClientAbortedError,
  GatewayTimeoutError,
  isGatewayFailure,
  NoHealthyUpstreamError,
  NoRouteError,
  UpstreamPoolExhaustedError,
  UpstreamTimeoutError,
} from './gateway-errors.js';
import type { RequestCompleted, RequestShed } from './gateway-events.js';
import { bufferRequestBody, planRequestBody } from './read-request-body.js';
import { requestIdFor } from './request-id.js';
import type { Route, RouteTable } from './route-table.js';
import { sendGatewayError } from './send-json.js';
import { sendToHost, type UpstreamRequest, type UpstreamResponse } from './send-to-host.js';
import { streamResponse } from './stream-response.js';
import type { TrustedProxies } from './trusted-proxies.js';
import type { UpstreamHost } from './upstream-host.js';

/** Outcomes (responses or errors) the current request may retry on another host. */
const retryable = new WeakSet<object>();

/** For the route's RetryPolicy: the try itself decided whether its outcome may be retried. */
export function isMarkedRetryable(outcome: { ok: boolean; value?: unknown; error?: unknown }): boolean {
  const v = outcome.ok ? outcome.value : outcome.error;
  return typeof v === 'object' && v !== null && retryable.has(v);
}

const shedCodes = new Set([
  'FL_GW_POOL_EXHAUSTED',
  'FL_GW_NO_HEALTHY_UPSTREAM',
  'FL_GW_DRAINING',
  'FL_BROKEN_CIRCUIT',
  'FL_SHED',
  'FL_RATE_LIMITED',
  'FL_RATELIMIT_UNAVAILABLE',
]);

export interface ProxyHandlerOptions {
  routes: RouteTable;
  maxReplayBodyBytes: number;
  isDraining(): boolean;
  completed: EventEmitter<RequestCompleted>;
  shed: EventEmitter<RequestShed>;
  /** The `limits` config key: checked on every request head, and on chunked bodies as they stream. */
  limits: HttpLimits;
  /** Peers whose X-Forwarded-* headers are kept (`trustedProxies`). */
  trustedProxies: TrustedProxies;
}

/**
 * The reverse proxy's request path: route, read (or stream) the body, run the route's
 * policies around the tries, stream the answer back, and answer every failure with the right
 * status and a JSON body. A request never outlives its overall timeout: every wait is raced
 * against it.
 */
export class ProxyHandler {
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /** The overall abort of every routed request in flight, so a forced drain can end them. */
  private readonly aborts = new Set<AbortController>();

  constructor(private readonly options: ProxyHandlerOptions) {}

  get activeRequests(): number {
    return this.inFlight;
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Ends every request in flight with `reason` (answered as its JSON error if not yet answering). */
  abortAll(reason: unknown): void {
    for (const a of this.aborts) a.abort(reason);
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.inFlight++;
    void this.serve(req, res).finally(() => {
      if (--this.inFlight === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const requestId = requestIdFor(req.headers['x-request-id']);
    if (this.options.isDraining()) res.setHeader('connection', 'close');
    // What llhttp lets through but a proxy must not forward (and the limits): refused, and the
    // connection closed, since the peer's framing cannot be trusted any more.
    const refusal = checkRequestHead(req, this.options.limits);
    if (refusal !== undefined) {
      res.setHeader('connection', 'close');
      const status = sendGatewayError(res, refusal, requestId);
      this.complete(undefined, method, status, started, 0, requestId, refusal.code);
      return;
    }
    if (!path.startsWith('/')) {
      req.resume();
      res.setHeader('connection', 'close');
      const err = new BadRequestTargetError(path);
      this.complete(
        undefined,
        method,
        sendGatewayError(res, err, requestId),
        started,
        0,
        requestId,
        err.code,
      );
      return;
    }
    const route = this.options.routes.match(method, path);
    if (!route) {
      req.resume();
      const err = new NoRouteError(method, path.split('?')[0] ?? path);
      const status = sendGatewayError(res, err, requestId);
      this.complete(undefined, method, status, started, 0, requestId, err.code);
      return;
    }

    const { timeouts } = route;
    const overall = new AbortController();
    this.aborts.add(overall);
    const timer = setTimeout(
      () => overall.abort(new GatewayTimeoutError(timeouts.overallMs)),
      timeouts.overallMs,
    );
    const onClose = (): void => {
      if (!res.writableFinished) overall.abort(new ClientAbortedError());
    };
    res.once('close', onClose);
    const state = { attempts: 0 };
    let upstreamBody: Readable | undefined;
    try {
      const info: RequestInfo = {
        method,
        path,
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
        route: route.name,
        // Only the admission stages (rate limits) add headers: no closure for a route without them.
        setResponseHeader: route.admission ? (name, value) => res.setHeader(name, value) : undefined,
      };
      const serve = async (): Promise<void> => {
        const body =
          planRequestBody(req, this.options.maxReplayBodyBytes, this.options.limits.maxBodyBytes, overall) ??
          (await untilAborted(bufferRequestBody(req), overall.signal));
        const { cache } = route;
        const request: UpstreamRequest = {
          method,
          path,
          headers: upstreamRequestHeaders(req, requestId, cache?.unkeyedHeaders, this.options.trustedProxies),
          body: body.body,
        };
        const mayRetry = body.replayable && isIdempotentRequest(method, req.headers);
        // Every wait below (limiters, back-off, connection slots, undici) takes the overall
        // signal, so the overall timeout ends the request wherever it is.
        if (cache) {
          // The cache answers or asks the origin (through every policy) for the normalised target.
          const answer = await cache.serve(
            { method, target: path, headers: req.headers, hasBody: hasRequestBody(body.body) },
            (target) =>
              this.forward(
                route,
                { ...request, path: target },
                { ...info, path: target },
                mayRetry,
                overall.signal,
                state,
              ),
          );
          res.writeHead(answer.statusCode, downstreamResponseHeaders(answer.headers, requestId));
          if (answer.body === undefined || Buffer.isBuffer(answer.body)) res.end(answer.body);
          else {
            upstreamBody = answer.body;
            await streamResponse(answer.body, res);
          }
          this.complete(route, method, answer.statusCode, started, state.attempts, requestId);
          return;
        }
        const response = await this.forward(route, request, info, mayRetry, overall.signal, state);
        upstreamBody = response.body;
        res.writeHead(response.statusCode, downstreamResponseHeaders(response.headers, requestId));
        await streamResponse(response.body, res);
        this.complete(route, method, response.statusCode, started, state.attempts, requestId);
      };
      // The stages before the cache (the rate limits: gateway-wide, then the route's) run once
      // around everything: a refusal costs no body read and no upstream, and each decision is
      // bounded by its limiter's store timeout.
      if (route.admission) await route.admission.execute(serve, overall.signal, info);
      else await serve();
    } catch (caught) {
      // Whatever went wrong, an upstream body nobody reads must not hold its connection slot.
      upstreamBody?.destroy();
      let err = overall.signal.aborted ? overall.signal.reason : caught;
      if (!req.complete || err instanceof BodyTooLargeError) {
        // The client had not sent its whole request: out of time, that is its fault (408). What
        // is left of the body (or a body cut at the limit) is not read: close after the answer.
        if (err instanceof GatewayTimeoutError && !req.complete)
          err = new RequestTimeoutError(`request body not received within ${timeouts.overallMs} ms`);
        if (!res.headersSent) res.setHeader('connection', 'close');
      }
      const status = sendGatewayError(res, err, requestId);
      const code = isFaultlineError(err) ? err.code : 'FL_GW_INTERNAL';
      if (shedCodes.has(code)) {
        this.options.shed.emit({ route: route.name, cluster: route.cluster.name, reason: code });
      }
      this.complete(route, method, status, started, state.attempts, requestId, code);
    } finally {
      this.aborts.delete(overall);
      clearTimeout(timer);
      res.off('close', onClose);
    }
  }

  /** The route's policies around one try at a time, each on a host not tried yet. */
  private forward(
    route: Route,
    request: UpstreamRequest,
    info: RequestInfo,
    mayRetry: boolean,
    signal: AbortSignal,
    state: { attempts: number },
  ): Promise<UpstreamResponse> {
    const { cluster } = route;
    const tried = new Set<UpstreamHost>();
    let previous: { response?: UpstreamResponse; error?: unknown } | undefined;

    const tryOnce = async (ctx: PolicyContext): Promise<UpstreamResponse> => {
      const host = cluster.pick(tried);
      if (!host) {
        // Nothing left to try after all: give back the last outcome as final.
        if (previous?.response) {
          retryable.delete(previous.response);
          return previous.response;
        }
        if (previous) {
          retryable.delete(previous.error as object);
          throw previous.error;
        }
        throw new NoHealthyUpstreamError(cluster.name);
      }
      previous?.response?.body.destroy();
      previous = undefined;
      tried.add(host);
      state.attempts++;
      const { adaptive } = route;
      const perTryMs = adaptive ? adaptive.timeoutMs : route.timeouts.perTryMs;
      let started = 0;
      try {
        // The slot first: pool exhaustion sheds (503) and is none of the breaker's business.
        await host.slots.acquire(ctx.signal);
        started = performance.now();
        let sent = false;
        const send = () => {
          sent = true;
          return sendToHost(cluster, host, request, ctx.signal, perTryMs);
        };
        let pending: Promise<UpstreamResponse>;
        if (host.breaker) {
          pending = host.breaker.execute(send, ctx.signal);
          // Refused by the breaker without sending: give the slot back.
          pending.catch(() => {
            if (!sent) host.slots.release();
          });
        } else {
          pending = send();
        }
        const response = await pending;
        adaptive?.latency.record(performance.now() - started);
        if (mayRetry && route.retryOn.has(response.statusCode) && cluster.hasEligibleHost(tried)) {
          retryable.add(response);
          previous = { response };
        }
        return response;
      } catch (err) {
        // A timed-out try is recorded at its deadline ("at least that long"), so that a step up
        // in latency is learned instead of timing out every try (as AdaptiveTimeout does).
        if (adaptive && err instanceof UpstreamTimeoutError) adaptive.latency.record(perTryMs);
        // A breaker rejection never reached the host, so any method may go elsewhere. Pool
        // exhaustion never reached it either: an idempotent request goes to another host that
        // has a free connection now, rather than be shed (within the retry budget).
        const kind =
          isBrokenCircuitError(err) ||
          (mayRetry &&
            (isGatewayFailure(err) ||
              (err instanceof UpstreamPoolExhaustedError && cluster.hasFreeHost(tried))));
        if (kind && typeof err === 'object' && err !== null && cluster.hasEligibleHost(tried)) {
          retryable.add(err);
          previous = { error: err };
        }
        throw err;
      }
    };

    // The route's chain (built by createRoutePolicies): admission, route breaker, retry and,
    // only for what may safely be sent twice, hedging; each try picks a host not tried yet.
    const chain = mayRetry ? route.idempotentChain : route.unsafeChain;
    return chain.execute(tryOnce, signal, info);
  }

  private complete(
    route: Route | undefined,
    method: string,
    status: number,
    started: number,
    attempts: number,
    requestId: string,
    code?: string,
  ): void {
    this.options.completed.emit({
      route: route?.name ?? '(none)',
      cluster: route?.cluster.name ?? '(none)',
      method,
      status,
      durationMs: performance.now() - started,
      attempts,
      requestId,
      ...(code ? { code } : {}),
    });
  }
}

/** A request body that is there (a stream, or a buffered one that is not empty). */
function hasRequestBody(body: Buffer | Readable | undefined): boolean {
  return body !== undefined && !(Buffer.isBuffer(body) && body.length === 0);
}

/**
 * `promise`, unless `signal` aborts first: then reject at once with its reason, and hand a
 * value that arrives late to `onLate` (so a response nobody will read releases its connection).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, onLate?: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then(
      (v) => onLate?.(v),
      () => {},
    );
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onAbort = (): void => {
      done = true;
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (done) onLate?.(v);
        else resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        if (!done) reject(e);
      },
    );
  });
}
