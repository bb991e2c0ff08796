import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BadJsonBodyError,
  BodyTooLargeError,
  matchRoute,
  parseJsonBody,
  pathOf,
  pathPattern,
  readBody,
  sendJson,
} from '../../../src/common/http/index.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real server on a free loopback port, answering with `handler`. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<string> {
  server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) =>
      sendJson(res, (err as { httpStatus?: number }).httpStatus ?? 500, { error: (err as Error).message }),
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('readBody and sendJson over a real socket', () => {
  it('echoes a JSON body within the limit, with content-type and content-length', async () => {
    const url = await serve(async (req, res) => {
      sendJson(res, 200, { got: parseJsonBody(await readBody(req, { maxBytes: 1024 })) });
    });
    const res = await fetch(url, { method: 'POST', body: '{"a":1}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toEqual({ got: { a: 1 } });
  });

  it('refuses a body over the limit with 413 and still answers on the connection', async () => {
    const url = await serve(async (req, res) => {
      await readBody(req, { maxBytes: 16 });
      sendJson(res, 200, { ok: true });
    });
    const res = await fetch(url, { method: 'POST', body: 'x'.repeat(64 * 1024) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'request body over 16 bytes' });
  });

  it('throws the server’s own error when given one', async () => {
    const url = await serve(async (req) => {
      await readBody(req, {
        maxBytes: 4,
        tooLarge: () => Object.assign(new Error('mine'), { httpStatus: 400 }),
      });
    });
    const res = await fetch(url, { method: 'POST', body: 'too long' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'mine' });
  });

  it('sends 204 without a body, and undefined as an empty body', async () => {
    const url = await serve(async (req, res) => {
      sendJson(res, req.url === '/none' ? 204 : 200, req.url === '/none' ? { ignored: true } : undefined);
    });
    const none = await fetch(`${url}/none`);
    expect(none.status).toBe(204);
    expect(await none.text()).toBe('');
    const empty = await fetch(`${url}/empty`);
    expect(empty.headers.get('content-type')).toBeNull();
    expect(await empty.text()).toBe('');
  });
});

describe('parseJsonBody', () => {
  it('is undefined for an empty or blank body, the value otherwise, BadJsonBodyError if not JSON', () => {
    expect(parseJsonBody(Buffer.from(''))).toBeUndefined();
    expect(parseJsonBody(Buffer.from('  \n'))).toBeUndefined();
    expect(parseJsonBody(Buffer.from('[1]'))).toEqual([1]);
    expect(() => parseJsonBody(Buffer.from('{nope'))).toThrow(BadJsonBodyError);
    expect(new BodyTooLargeError(10)).toMatchObject({ code: 'FL_HTTP_BODY_TOO_LARGE', httpStatus: 413 });
  });
});

describe('matchRoute', () => {
  const routes = [
    { methods: ['GET'], pattern: pathPattern('/proxies/:proxy'), name: 'get' },
    { methods: ['POST', 'PATCH'], pattern: pathPattern('/proxies/:proxy'), name: 'update' },
    { methods: ['GET'], pattern: /^\/items\/(?<id>\d+)$/, name: 'item' },
  ];

  it('finds the first route by path and method, with decoded params', () => {
    const m = matchRoute(routes, 'PATCH', '/proxies/a%20b');
    expect(m).toMatchObject({ kind: 'found', route: { name: 'update' }, params: { proxy: 'a b' } });
    expect(matchRoute(routes, 'GET', '/items/7')).toMatchObject({ kind: 'found', params: { id: '7' } });
    expect(matchRoute(routes, 'GET', '/proxies/%E0%A4%A')).toMatchObject({ params: { proxy: '%E0%A4%A' } });
  });

  it('tells a known path under another method (405) from an unknown path (404)', () => {
    expect(matchRoute(routes, 'DELETE', '/proxies/x')).toEqual({
      kind: 'method_not_allowed',
      allowed: ['GET', 'POST', 'PATCH'],
    });
    expect(matchRoute(routes, 'GET', '/proxies/x/y')).toEqual({ kind: 'not_found' });
  });

  it('pathOf drops the query', () => {
    expect(pathOf('/a/b?x=1')).toBe('/a/b');
    expect(pathOf(undefined)).toBe('/');
  });
});
