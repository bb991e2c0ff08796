import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Writes one whole response: status, headers, `content-length` and the body. Does nothing when
 * the response has already started or its socket is gone (a late reply after an abort). A 204 or
 * 304 goes out without a body, as RFC 9110 §15.3.5 and §15.4.5 require.
 */
export function sendBody(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: OutgoingHttpHeaders = {},
): void {
  if (res.headersSent || res.destroyed) return;
  if (status === 204 || status === 304) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Writes `value` as JSON. `content-type` is `application/json` unless `headers` names another
 * (the gateway adds `; charset=utf-8`); `undefined` sends an empty body without a content type.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  if (value === undefined) {
    sendBody(res, status, '', headers);
    return;
  }
  sendBody(res, status, JSON.stringify(value), { 'content-type': 'application/json', ...headers });
}
