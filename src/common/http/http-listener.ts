import http, { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { defaultHttpLimits, type HttpLimits } from './http-limits.js';

/** A request llhttp refused, or a head or body that came too slowly, as the listener answered it. */
export interface ClientErrorAnswer {
  /** 400, 408, 413 or 431; 0 when nothing could be written (the peer was gone or a reply had started). */
  readonly status: number;
  /** llhttp's code (`HPE_INVALID_TRANSFER_ENCODING`, …) or Node's (`ERR_HTTP_REQUEST_TIMEOUT`). */
  readonly code: string;
}

export interface HttpListenerOptions {
  /** @default defaultHttpLimits */
  limits?: HttpLimits;
  /** Idle keep-alive connections close after this, in ms. @default 5000 */
  keepAliveTimeoutMs?: number;
  /** Told about each refused request (for logs and metrics). */
  onClientError?: (answer: ClientErrorAnswer) => void;
}

/**
 * An `http.Server` with our limits, for every listener (gateway traffic and admin, fault proxy
 * API): Node's strict parser (never `insecureHTTPParser`), `maxHeaderSize`, a header count just
 * over `maxHeaders` (so `checkRequestHead` sees the excess instead of Node dropping it),
 * `headersTimeout` and `requestTimeout` (checked every min(1 s, headersTimeoutMs / 2), so a
 * slowloris client is cut), and requests llhttp refuses
 * answered with a JSON error and the connection closed.
 */
export function createHttpListener(
  handler: http.RequestListener,
  options: HttpListenerOptions = {},
): http.Server {
  const limits = options.limits ?? defaultHttpLimits;
  const server = http.createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000,
      // checkRequestHead answers a missing Host with our JSON 400 (Node's own has no body).
      requireHostHeader: false,
      insecureHTTPParser: false,
    },
    handler,
  );
  server.maxHeadersCount = limits.maxHeaders + 1;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const answer = answerClientError(err, socket);
    options.onClientError?.(answer);
  });
  return server;
}

/** The status for a parser or timeout error, as Node's own default handler chooses it. */
function statusOf(code: string): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 413;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * Writes `{"error","code","status"}` with Connection: close straight to the socket (there is no
 * response object for a request that did not parse), then closes it. Nothing is written when a
 * response to this connection has already started (a slow body timing out under a streamed
 * answer), as Node's default handler does.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): ClientErrorAnswer {
  const code = err.code ?? 'UNKNOWN';
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return { status: 0, code };
  }
  const status = statusOf(code);
  const reason = (err as { reason?: string }).reason;
  const body = JSON.stringify({
    error: status === 408 ? 'request timeout' : `${STATUS_CODES[status]?.toLowerCase()}: ${reason ?? code}`,
    code,
    status,
  });
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  const soon = (socket as Duplex & { destroySoon?: () => void }).destroySoon;
  if (typeof soon === 'function') soon.call(socket);
  else socket.end();
  return { status, code };
}
