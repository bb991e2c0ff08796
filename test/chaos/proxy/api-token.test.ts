import { Toxiproxy } from 'toxiproxy-node-client';
import { Agent, type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ToxiproxyHttpTarget } from '../../../src/chaos/faults/index.js';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { main } from '../../../src/cli/main.js';
import { ControlTokenRequiredError } from '../../../src/common/http/index.js';
import { rawExchange } from '../../common/http/raw-http.js';
import { echoServer, type TestServer } from './helpers.js';

const token = 'fault-api-token-0123456789abcdef';

describe('fault proxy API with a token', () => {
  let server: ProxyServer;
  let echo: TestServer;
  let savedEnv: string | undefined;

  beforeEach(async () => {
    savedEnv = process.env.FAULTLINE_TOKEN;
    delete process.env.FAULTLINE_TOKEN;
    echo = await echoServer();
    server = await startProxyServer({ port: 0, seed: 14, token });
  });
  afterEach(async () => {
    await server.close();
    await echo.close();
    if (savedEnv !== undefined) process.env.FAULTLINE_TOKEN = savedEnv;
  });

  const body = (name: string) =>
    JSON.stringify({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });

  it('answers 401 (Toxiproxy error body, Bearer challenge) to every call without it, and changes nothing', async () => {
    await server.createProxy({ name: 'kept', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
    const calls: [string, string, string?][] = [
      ['POST', '/proxies', body('new')],
      ['POST', '/populate', `[${body('new')}]`],
      ['POST', '/proxies/kept/toxics', '{"type":"latency","attributes":{"latency":1000}}'],
      ['POST', '/proxies/kept', '{"enabled":false}'],
      ['DELETE', '/proxies/kept'],
      ['POST', '/reset'],
      ['GET', '/proxies'],
      ['GET', '/metrics'],
      ['GET', '/version'],
    ];
    for (const authorization of [undefined, 'Bearer not-the-token-at-all!!', `Basic ${btoa('x:wrong')}`]) {
      for (const [method, path, payload] of calls) {
        const res = await fetch(`${server.url}${path}`, {
          method,
          ...(payload ? { body: payload } : {}),
          headers: authorization ? { authorization } : {},
        });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="faultline"');
        expect(await res.json()).toEqual({ error: 'missing or wrong bearer token', status: 401 });
      }
    }
    const state = server.listProxies();
    expect(Object.keys(state)).toEqual(['kept']);
    expect(state.kept?.enabled).toBe(true);
    expect(server.listToxics('kept')).toEqual([]);
  });

  it('serves every call that carries it, as Bearer or as a Basic password (a URL with user info)', async () => {
    const created = await fetch(`${server.url}/proxies`, {
      method: 'POST',
      body: body('svc'),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(created.status).toBe(201);
    const listed = await fetch(`${server.url}/proxies`, {
      headers: { authorization: `Basic ${btoa(`faultline:${token}`)}` },
    });
    expect(Object.keys((await listed.json()) as object)).toEqual(['svc']);
  });

  it("Faultline's own toxic faults send it (ToxiproxyHttpTarget)", async () => {
    await server.createProxy({ name: 'svc', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
    const toxic = {
      name: 'slow',
      type: 'latency',
      stream: 'downstream' as const,
      toxicity: 1,
      attributes: { latency: 10 },
    };
    await expect(new ToxiproxyHttpTarget(server.url, 2000, undefined).addToxic('svc', toxic)).rejects.toThrow(
      /401/,
    );
    await new ToxiproxyHttpTarget(server.url, 2000, token).addToxic('svc', toxic);
    expect(server.listToxics('svc').map((t) => t.name)).toEqual(['slow']);
  });

  it('toxiproxy-node-client passes it through a global undici dispatcher, as docs/proxy.md shows', async () => {
    const client = new Toxiproxy(server.url);
    await expect(client.getAll()).rejects.toThrow(/401/);
    const previous = getGlobalDispatcher();
    setGlobalDispatcher(
      new Agent().compose(
        (dispatch: Dispatcher['dispatch']): Dispatcher['dispatch'] =>
          (options, handler) =>
            dispatch(
              {
                ...options,
                headers: { ...(options.headers as Record<string, string>), authorization: `Bearer ${token}` },
              },
              handler,
            ),
      ),
    );
    try {
      const proxy = await client.createProxy({
        name: 'svc',
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${echo.port}`,
      });
      await proxy.addToxic({
        name: 'slow',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 10, jitter: 0 },
      });
      expect(server.listToxics('svc').map((t) => t.name)).toEqual(['slow']);
    } finally {
      setGlobalDispatcher(previous);
    }
  });
});

describe('fault proxy API off loopback', () => {
  it('refuses to start without a token and binds nothing', async () => {
    const saved = process.env.FAULTLINE_TOKEN;
    delete process.env.FAULTLINE_TOKEN;
    try {
      await expect(startProxyServer({ host: '0.0.0.0', port: 0 })).rejects.toBeInstanceOf(
        ControlTokenRequiredError,
      );
    } finally {
      if (saved !== undefined) process.env.FAULTLINE_TOKEN = saved;
    }
  });

  it('`faultline proxy --host 0.0.0.0` without FAULTLINE_TOKEN: one line, exit 2', async () => {
    const saved = process.env.FAULTLINE_TOKEN;
    delete process.env.FAULTLINE_TOKEN;
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += chunk.toString();
      return true;
    });
    try {
      const code = await main(['proxy', '--host', '0.0.0.0', '--port', '0']);
      expect(code).toBe(2);
      expect(stderr).toBe(
        'faultline: refusing to serve the fault proxy API on 0.0.0.0 without a token: bind to 127.0.0.1, ' +
          'or set FAULTLINE_TOKEN to a secret of at least 16 characters\n',
      );
    } finally {
      spy.mockRestore();
      if (saved !== undefined) process.env.FAULTLINE_TOKEN = saved;
    }
  });
});

describe('fault proxy API listener limits', () => {
  it('answers a smuggling-prone or oversized request with a Toxiproxy error body and closes the connection', async () => {
    const server = await startProxyServer({ port: 0, seed: 14 });
    try {
      const port = Number(new URL(server.url).port);
      const cases: [string, number][] = [
        ['POST /proxies HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 400],
        [
          'POST /proxies HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
          400,
        ],
        [`GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: a\r\n\r\n`, 414],
        ['GET /proxies HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
      ];
      for (const [raw, status] of cases) {
        const answer = await rawExchange(port, raw);
        expect(answer.status).toBe(status);
        expect(answer.closed).toBe(true);
        expect((JSON.parse(answer.body) as { status: number }).status).toBe(status);
      }
      expect(server.listProxies()).toEqual({});
    } finally {
      await server.close();
    }
  });
});
