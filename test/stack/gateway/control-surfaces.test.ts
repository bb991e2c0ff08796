import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlTokenRequiredError } from '../../../src/common/http/index.js';
import { type Gateway, startGateway } from '../../../src/stack/gateway/gateway.js';
import { GatewayConfigError } from '../../../src/stack/gateway/load-gateway-config.js';
import { rawExchange } from '../../common/http/raw-http.js';
import { TestUpstream } from './upstreams.js';

const token = 'gateway-admin-token-0123456789';

/** The admin routes, spelled every way a path can be spelled. */
const spellings = [
  '/admin/upstreams',
  '/admin/config',
  '/metrics',
  '/healthz',
  '/%61dmin/upstreams',
  '/admin%2Fupstreams',
  '/admin%2fupstreams',
  '//admin/upstreams',
  '/./admin/upstreams',
  '/%2e/admin/upstreams',
  '/x/../admin/upstreams',
  '/ADMIN/UPSTREAMS',
  '/Admin/Upstreams',
  '/admin/upstreams/',
  '/admin/upstreams?x=1',
  '/admin/upstreams;x=1',
  '/admin\\upstreams',
  '/%252e/admin/upstreams',
];

const get = (path: string, headers: string[] = []): string =>
  `GET ${path} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

describe('gateway control surfaces', () => {
  let upstream: TestUpstream;
  let gw: Gateway;

  beforeAll(async () => {
    upstream = await new TestUpstream('origin').start();
    gw = await startGateway({
      clusters: { api: { hosts: [{ url: upstream.url }], health: { outlier: false } } },
      admin: { host: '127.0.0.1', port: 0, token },
      seed: 14,
    });
  });
  afterAll(async () => {
    await gw.close({ drain: false });
    await upstream.stop();
  });

  it('binds admin and traffic to loopback by default', async () => {
    const plain = await startGateway({ clusters: { api: { hosts: [{ url: upstream.url }] } } });
    try {
      expect(plain.config.admin.host).toBe('127.0.0.1');
      expect(plain.config.listen.host).toBe('127.0.0.1');
      expect(new URL(plain.adminUrl).hostname).toBe('127.0.0.1');
    } finally {
      await plain.close({ drain: false });
    }
  });

  it('never serves an admin route on the traffic listener, however the path is spelled', async () => {
    for (const path of spellings) {
      const answer = await rawExchange(gw.port, get(path, [`Authorization: Bearer ${token}`]));
      // Either proxied to the upstream (it answers with its name) or refused by the gateway as a
      // request: never the gateway's own state, config, metrics or health.
      expect([200, 400], path).toContain(answer.status);
      // (The test upstream answers its own /healthz with an empty 200, and everything else with its name.)
      if (answer.status === 200) expect(answer.body, path).toBe(path === '/healthz' ? '' : 'origin');
      expect(answer.body, path).not.toMatch(/clusters|faultline_gateway|"draining"|"status":"ok"/);
    }
  });

  it('serves the admin routes on the admin listener only under their exact spelling', async () => {
    const auth = [`Authorization: Bearer ${token}`];
    const exact = await rawExchange(gw.adminPort, get('/admin/upstreams', auth));
    expect(exact.status).toBe(200);
    expect(JSON.parse(exact.body).clusters.api).toBeDefined();
    for (const path of spellings.filter(
      (p) => !/^\/(admin\/(upstreams|config)|metrics|healthz)(\?x=1)?$/.test(p),
    )) {
      const answer = await rawExchange(gw.adminPort, get(path, auth));
      expect([400, 404], path).toContain(answer.status);
    }
  });

  it('answers 401 JSON with a challenge to every admin request without the token', async () => {
    for (const headers of [
      [],
      ['Authorization: Bearer wrong-token-wrong-token'],
      [`Authorization: ${token}`],
    ]) {
      for (const path of ['/admin/upstreams', '/admin/config', '/metrics', '/healthz', '/nope']) {
        const answer = await rawExchange(gw.adminPort, get(path, headers));
        expect(answer.status, `${path} ${headers}`).toBe(401);
        expect(answer.raw).toMatch(/\r\nwww-authenticate: Bearer realm="faultline"\r\n/i);
        expect(JSON.parse(answer.body)).toEqual({ error: 'missing or wrong bearer token', status: 401 });
      }
    }
  });

  it('accepts the token as Bearer or as a Basic password, and never shows it in /admin/config', async () => {
    const basic = `Basic ${Buffer.from(`ops:${token}`).toString('base64')}`;
    const res = await fetch(`${gw.adminUrl}/admin/config`, { headers: { authorization: basic } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(token);
    expect(JSON.parse(text).admin.token).toBe('[redacted]');
    const metrics = await fetch(`${gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
  });

  it('refuses to start with the admin API off loopback and no token: exit 2, one line, nothing bound', async () => {
    const saved = process.env.FAULTLINE_TOKEN;
    delete process.env.FAULTLINE_TOKEN;
    try {
      const started = startGateway({
        clusters: { api: { hosts: [{ url: upstream.url }] } },
        admin: { host: '0.0.0.0', port: 0 },
      });
      await expect(started).rejects.toBeInstanceOf(ControlTokenRequiredError);
      await expect(started).rejects.toMatchObject({ exitCode: 2, code: 'FL_HTTP_TOKEN_REQUIRED' });
      await expect(started).rejects.toThrow(
        /^refusing to serve the gateway admin API on 0\.0\.0\.0 without a token/,
      );
    } finally {
      if (saved !== undefined) process.env.FAULTLINE_TOKEN = saved;
    }
  });

  it('validates the new config keys and names them', async () => {
    const bad = [
      [{ admin: { token: 'short' } }, 'admin.token'],
      [{ trustedProxies: ['10.0.0.0/33'] }, 'trustedProxies[0]'],
      [{ trustedProxies: ['not-an-ip'] }, 'trustedProxies[0]'],
      [{ limits: { headersTimeoutMs: 5000, requestTimeoutMs: 1000 } }, 'limits.requestTimeoutMs'],
      [{ limits: { maxUrlBytes: 20000 } }, 'limits.maxUrlBytes'],
      [{ limits: { maxHeaders: 0 } }, 'limits.maxHeaders'],
      [{ limits: { maxBodyBytez: 1 } }, 'limits'],
    ] as const;
    for (const [extra, key] of bad) {
      const started = startGateway({
        clusters: { api: { hosts: [{ url: upstream.url }] } },
        ...extra,
      } as never);
      await expect(started, key).rejects.toBeInstanceOf(GatewayConfigError);
      await expect(started, key).rejects.toThrow(key);
    }
  });
});
