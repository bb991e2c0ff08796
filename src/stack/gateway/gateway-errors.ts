import { FaultlineError } from '../../common/errors.js';
import { TimeoutError } from '../timeout/timeout-error.js';

/**
 * The gateway's own answers. The status tells a client what happened: 502 the upstream failed,
 * 503 nothing could take the request (no healthy host, shed, breaker open, draining), 504 out of
 * time. Every one is written as a JSON body by `sendGatewayError`.
 */
export class NoRouteError extends FaultlineError {
  constructor(method: string, path: string) {
    super('FL_GW_NO_ROUTE', `no route for ${method} ${path}`, { httpStatus: 404 });
  }
}

/** The request target is not a path (absolute-form, authority-form or `*`): this is not a forward proxy. */
export class BadRequestTargetError extends FaultlineError {
  constructor(target: string) {
    super('FL_GW_BAD_TARGET', `request target must be a path starting with /: ${target.slice(0, 100)}`, {
      httpStatus: 400,
    });
  }
}

export class NoHealthyUpstreamError extends FaultlineError {
  readonly retryAfterSeconds = 1;
  constructor(cluster: string) {
    super('FL_GW_NO_HEALTHY_UPSTREAM', `no healthy upstream host in cluster ${cluster}`, { httpStatus: 503 });
  }
}

/** All connections to the chosen host stayed busy for the whole queue timeout: shed, don't hang. */
export class UpstreamPoolExhaustedError extends FaultlineError {
  constructor(
    host: string,
    queueTimeoutMs: number,
    readonly retryAfterSeconds: number,
  ) {
    super('FL_GW_POOL_EXHAUSTED', `all connections to ${host} busy for ${queueTimeoutMs} ms: request shed`, {
      httpStatus: 503,
    });
  }
}

/** The host could not be reached or dropped the connection: no response at all. */
export class UpstreamFailureError extends FaultlineError {
  constructor(
    host: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super('FL_GW_UPSTREAM_FAILURE', `upstream ${host} failed: ${reason}`, { httpStatus: 502, cause });
  }
}

/** The host did not connect or answer within the connect or per-try timeout. */
export class UpstreamTimeoutError extends TimeoutError {
  constructor(host: string, what: 'connect' | 'per-try', ms: number) {
    super(ms, what, {
      code: 'FL_GW_UPSTREAM_TIMEOUT',
      message: `upstream ${host} ${what} timeout after ${ms} ms`,
    });
  }
}

/** The overall request timeout fired. */
export class GatewayTimeoutError extends TimeoutError {
  constructor(ms: number) {
    super(ms, 'overall', { code: 'FL_GW_TIMEOUT', message: `request timed out after ${ms} ms` });
  }
}

export class GatewayDrainingError extends FaultlineError {
  readonly retryAfterSeconds = 1;
  constructor() {
    super('FL_GW_DRAINING', 'gateway is draining', { httpStatus: 503 });
  }
}

/** The client went away or sent a broken body; nobody reads the answer, but it is logged/counted. */
export class ClientAbortedError extends FaultlineError {
  constructor() {
    super('FL_GW_CLIENT_ABORTED', 'client closed the request', { httpStatus: 499 });
  }
}

/** Failures that mean "this host is broken" to outlier detection and the retry loop. */
export function isGatewayFailure(err: unknown): boolean {
  return err instanceof UpstreamFailureError || err instanceof UpstreamTimeoutError;
}

/** A port could not be bound (in use, no permission). CLI exit 1. */
export class GatewayListenError extends FaultlineError {
  constructor(what: string, host: string, port: number, cause: unknown) {
    const code = (cause as { code?: string } | null)?.code ?? String(cause);
    super('FL_GW_LISTEN', `cannot listen for ${what} on ${host}:${port}: ${code}`, { exitCode: 1, cause });
  }
}
