import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../../../src/stack/gateway/gateway.js';
import { useGatewayRig } from './gateway-fixture.js';
import { nextEvent, request, startUpstreams } from './upstreams.js';

const rig = useGatewayRig({ seed: 1 });

async function bodies(url: string, n: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await request(url);
    expect(r.status).toBe(200);
    counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
  }
  return counts;
}

describe('gateway proxying', () => {
  it('round-robins evenly over three upstreams', async () => {
    const gw = await rig.setup(['a', 'b', 'c']);
    const counts = await bodies(`${gw.url}/x`, 30);
    expect([...counts.entries()].sort()).toEqual([
      ['a', 10],
      ['b', 10],
      ['c', 10],
    ]);
  });

  it('splits traffic 3:1 with the weighted balancer', async () => {
    rig.upstreams = await startUpstreams(['heavy', 'light']);
    rig.gateway = await startGateway({
      clusters: {
        api: {
          balancer: 'weighted',
          hosts: [
            { url: rig.upstreams[0]!.url, weight: 3 },
            { url: rig.upstreams[1]!.url, weight: 1 },
          ],
        },
      },
    });
    const counts = await bodies(`${rig.gateway.url}/`, 40);
    expect(counts.get('heavy')).toBe(30);
    expect(counts.get('light')).toBe(10);
  });

  it('least_request sends new requests away from a host with requests in flight', async () => {
    const gw = await rig.setup(['slow', 'fast'], { balancer: 'least_request' });
    const [slow] = rig.upstreams;
    const held: http.ServerResponse[] = [];
    slow!.behaviour = (req, res) => {
      req.resume();
      held.push(res);
    };
    // Park one request on "slow" (P2C picks it sooner or later while both are idle).
    const parked: Promise<unknown>[] = [];
    while (held.length < 1) {
      parked.push(request(`${gw.url}/p`));
      await new Promise((r) => setTimeout(r, 20));
      if (parked.length > 20) throw new Error('slow upstream never picked');
    }
    const counts = await bodies(`${gw.url}/q`, 20);
    expect(counts.get('fast')).toBe(20);
    for (const res of held) res.end('slow');
    await Promise.all(parked);
  });

  it('keeps an incoming X-Request-Id, generates one otherwise, and sets X-Forwarded-For', async () => {
    const gw = await rig.setup(['a']);
    const kept = await request(`${gw.url}/id`, { headers: { 'x-request-id': 'req-123' } });
    expect(kept.headers['x-request-id']).toBe('req-123');
    expect(rig.upstreams[0]!.seen[0]!.headers['x-request-id']).toBe('req-123');
    const fresh = await request(`${gw.url}/id`);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(rig.upstreams[0]!.seen[1]!.headers['x-request-id']).toBe(fresh.headers['x-request-id']);
    expect(rig.upstreams[0]!.seen[1]!.headers['x-forwarded-for']).toBe('127.0.0.1');
    // The client is no trusted proxy: its claim is replaced (test/stack/gateway/hostile-input.test.ts
    // covers trusted proxies).
    await request(`${gw.url}/id`, { headers: { 'x-forwarded-for': '10.0.0.1' } });
    expect(rig.upstreams[0]!.seen[2]!.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('drops hop-by-hop headers both ways, including those named by Connection', async () => {
    const gw = await rig.setup(['a']);
    rig.upstreams[0]!.behaviour = (req, res) => {
      req.resume();
      res.writeHead(200, {
        'x-secret-hop': 'no',
        'x-kept': 'yes',
        connection: 'x-secret-hop',
        'keep-alive': 'timeout=5',
      });
      res.end('ok');
    };
    const r = await request(`${gw.url}/h`, {
      headers: { connection: 'x-private', 'x-private': '1', 'x-end-to-end': '2', te: 'trailers' },
    });
    const seen = rig.upstreams[0]!.seen[0]!.headers;
    expect(seen['x-private']).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen['x-end-to-end']).toBe('2');
    expect(r.headers['x-kept']).toBe('yes');
    expect(r.headers['x-secret-hop']).toBeUndefined();
  });

  it('streams a large request body and a large response body through', async () => {
    const gw = await rig.setup(['a']);
    rig.upstreams[0]!.behaviour = (req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
      });
      req.on('end', () => {
        res.writeHead(200, { 'x-received': String(n) });
        // 2 MB back in chunks, without a content-length (chunked).
        const chunk = Buffer.alloc(64 * 1024, 120);
        for (let i = 0; i < 32; i++) res.write(chunk);
        res.end();
      });
    };
    const big = 'y'.repeat(1024 * 1024);
    const r = await request(`${gw.url}/upload`, { method: 'POST', body: big });
    expect(r.status).toBe(200);
    expect(r.headers['x-received']).toBe(String(big.length));
    expect(r.body.length).toBe(2 * 1024 * 1024);
  });

  it('frees the upstream connection when the client goes away mid-body', async () => {
    const gw = await rig.setup(['a'], { connections: { maxPerHost: 1, queueTimeoutMs: 2000 } });
    rig.upstreams[0]!.behaviour = (req, res) => {
      req.resume();
      res.writeHead(200);
      res.write('partial'); // and never ends
    };
    const completed = nextEvent(gw.onRequestCompleted);
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${gw.url}/stream`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    });
    // Counted as 499 (client closed request), as nginx logs it.
    expect(await completed).toMatchObject({ status: 499, code: 'FL_GW_CLIENT_ABORTED' });
    expect(gw.state().clusters.api!.hosts[0]!.connections.inUse).toBe(0);
    rig.upstreams[0]!.behaviour = (req, res) => {
      req.resume();
      res.end('next');
    };
    expect((await request(`${gw.url}/next`)).body).toBe('next');
  });

  it('answers 502 on a malformed upstream response, and frees the slot', async () => {
    const gw = await rig.setup(['a'], { connections: { maxPerHost: 1, queueTimeoutMs: 1000 } });
    const net = await import('node:net');
    // A raw upstream answering a header value with a control character.
    const raw = net.createServer((sock) => {
      sock.once('data', () =>
        sock.write('HTTP/1.1 200 OK\r\nx-bad: a\u0001b\r\ncontent-length: 2\r\n\r\nok'),
      );
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
    try {
      await gw.close({ drain: false });
      const port = (raw.address() as import('node:net').AddressInfo).port;
      rig.gateway = await startGateway({
        clusters: { api: { hosts: [{ url: `http://127.0.0.1:${port}` }], connections: { maxPerHost: 1 } } },
      });
      const r = await request(`${rig.gateway.url}/x`);
      expect(r.status).toBe(502);
      expect(JSON.parse(r.body).error).not.toContain('unknown error');
      expect(rig.gateway.state().clusters.api!.hosts[0]!.connections.inUse).toBe(0);
    } finally {
      raw.close();
    }
  });

  it('answers 404 with a JSON error for a request no route matches', async () => {
    rig.upstreams = await startUpstreams(['a']);
    rig.gateway = await startGateway({
      clusters: { api: { hosts: [{ url: rig.upstreams[0]!.url }] } },
      routes: [{ match: { pathPrefix: '/api', methods: ['GET'] }, cluster: 'api' }],
    });
    const r = await request(`${rig.gateway.url}/other`);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'FL_GW_NO_ROUTE', status: 404 });
    expect((await request(`${rig.gateway.url}/api/x`, { method: 'DELETE' })).status).toBe(404);
    expect((await request(`${rig.gateway.url}/api/x`)).status).toBe(200);
  });

  it('answers 400 to an absolute-form request target (it is not a forward proxy)', async () => {
    const gw = await rig.setup(['a']);
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: gw.port, path: 'http://example.com/x', agent: false },
        (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).code).toBe('FL_GW_BAD_TARGET');
    expect(rig.upstreams[0]!.requests).toBe(0);
  });

  it('proxies HEAD and 204/304 answers without a body', async () => {
    const gw = await rig.setup(['a']);
    rig.upstreams[0]!.behaviour = (req, res) => {
      req.resume();
      if (req.method === 'HEAD') res.writeHead(200, { 'content-length': '5' }).end();
      else res.writeHead(req.url === '/nc' ? 304 : 204).end();
    };
    const head = await request(`${gw.url}/h`, { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.body]).toEqual([200, '5', '']);
    expect((await request(`${gw.url}/x`)).status).toBe(204);
    expect((await request(`${gw.url}/nc`)).status).toBe(304);
  });
});

describe('gateway retries', () => {
  it('retries an idempotent request on another host after a 503', async () => {
    const gw = await rig.setup(['bad', 'good1', 'good2'], { health: { outlier: false } });
    rig.upstreams[0]!.behaviour = (req, res) => {
      req.resume();
      res.writeHead(503).end('bad');
    };
    const retries: number[] = [];
    gw.onRetry((e) => retries.push(e.attempt));
    for (let i = 0; i < 6; i++) {
      const r = await request(`${gw.url}/r`);
      expect(r.status).toBe(200);
      expect(r.body).not.toBe('bad');
    }
    // Every try that landed on "bad" was retried once, elsewhere.
    expect(rig.upstreams[0]!.requests).toBeGreaterThan(0);
    expect(retries).toEqual(Array(rig.upstreams[0]!.requests).fill(1));
    expect(rig.upstreams[1]!.requests + rig.upstreams[2]!.requests).toBe(6);
  });

  it('retries a connection refused on another host', async () => {
    const gw = await rig.setup(['dead', 'alive'], { health: { outlier: false } });
    await rig.upstreams[0]!.stop();
    for (let i = 0; i < 4; i++) {
      const r = await request(`${gw.url}/r`);
      expect(r.status).toBe(200);
      expect(r.body).toBe('alive');
    }
  });

  it('never retries a POST without an Idempotency-Key, and retries one with it', async () => {
    const gw = await rig.setup(['bad', 'good'], { health: { outlier: false } });
    rig.upstreams[0]!.behaviour = (req, res) => {
      req.resume();
      res.writeHead(503).end('bad');
    };
    rig.upstreams[1]!.behaviour = (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(201).end('good'));
    };
    // Round robin: the first try goes to "bad".
    const post = await request(`${gw.url}/items`, { method: 'POST', body: '{"a":1}' });
    expect(post.status).toBe(503);
    expect(post.body).toBe('bad');
    expect(rig.upstreams[1]!.requests).toBe(1 - 1);
    await request(`${gw.url}/items`, { method: 'POST', body: '{}' }); // "good" takes its turn
    const keyed = await request(`${gw.url}/items`, {
      method: 'POST',
      body: '{"a":2}',
      headers: { 'idempotency-key': 'k-1', 'content-type': 'application/json' },
    });
    expect(keyed.status).toBe(201);
    expect(rig.upstreams[0]!.requests).toBe(2);
    expect(rig.upstreams[1]!.requests).toBe(2);
    expect(rig.upstreams[1]!.seen[1]!.headers['idempotency-key']).toBe('k-1');
  });

  for (const budget of [
    { percent: 0, minRetriesPerSecond: 0 },
    { type: 'concurrent' as const, percent: 0, minConcurrent: 0 },
  ]) {
    it(`does not retry once the retry budget is spent (${budget.type ?? 'rate'} budget)`, async () => {
      const gw = await rig.setup(['bad', 'good'], { health: { outlier: false }, retry: { budget } });
      rig.upstreams[0]!.behaviour = (req, res) => {
        req.resume();
        res.writeHead(503).end('bad');
      };
      const r = await request(`${gw.url}/r`); // round robin: "bad" first
      expect([r.status, r.body]).toEqual([503, 'bad']);
      expect(rig.upstreams[1]!.requests).toBe(0);
    });
  }

  it('gives the last 5xx back when every host failed', async () => {
    const gw = await rig.setup(['x', 'y'], { health: { outlier: false } });
    for (const u of rig.upstreams) {
      u.behaviour = (req, res, name) => {
        req.resume();
        res.writeHead(502).end(name);
      };
    }
    const r = await request(`${gw.url}/r`);
    expect(r.status).toBe(502);
    expect(rig.upstreams[0]!.requests + rig.upstreams[1]!.requests).toBe(2);
  });

  it('answers 502 (JSON) when the upstream resets a non-retryable request', async () => {
    const gw = await rig.setup(['reset'], { health: { outlier: false } });
    rig.upstreams[0]!.behaviour = (req) => req.socket.destroy();
    const r = await request(`${gw.url}/x`, { method: 'POST', body: 'z' });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'FL_GW_UPSTREAM_FAILURE', status: 502 });
    expect(JSON.parse(r.body).request_id).toBe(r.headers['x-request-id']);
  });
});
