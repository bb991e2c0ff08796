import { describe, expect, it } from 'vitest';
import { findBinary } from '../../src/runner/needs.js';
import { haproxyConfig } from '../../src/targets/haproxy-config.js';
import { checkWith, configWith } from './generated-config.js';

const haproxy = await findBinary('haproxy', { redisUrl: '', databaseUrl: '' }, ['/usr/sbin/haproxy']);

describe('haproxyConfig', () => {
  it('maps timeouts, retries, active checks, outlier detection, slow start and maxconn', () => {
    const { text, unsupported } = haproxyConfig(configWith({}, { slowStart: { windowMs: 3000 } }), 8080);
    expect(text).toContain('bind 127.0.0.1:8080');
    expect(text).toContain('timeout connect 500ms');
    expect(text).toContain('timeout server 2000ms');
    expect(text).toContain('retries 2');
    expect(text).toContain('option redispatch 1');
    expect(text).toContain('retry-on conn-failure empty-response response-timeout 502 503 504');
    expect(text).toContain('option httpchk GET /healthz');
    expect(text).toMatch(
      /server s1 127\.0\.0\.1:9001 check inter 200ms fall 2 rise 2 observe layer7 error-limit 3 on-error mark-down slowstart 3000ms maxconn 64/,
    );
    expect(text).toContain('timeout queue 1000ms');
    // Panic mode as near as HAProxy gets: unchecked backups, all used once every server is down.
    expect(text).toContain('option allbackups');
    expect(text).toContain('server s2_panic 127.0.0.1:9002 backup maxconn 64');
    expect(unsupported).toEqual(
      expect.arrayContaining([expect.stringMatching(/^clusters\.service\.retry\.budget: /)]),
    );
    expect(unsupported.join('\n')).toMatch(/timeouts\.overallMs: HAProxy has no deadline over all tries/);
  });

  it('turns retries off with no retry-on, and lists what it cannot express', () => {
    const { text, unsupported } = haproxyConfig(
      configWith(
        {},
        {
          retry: { maxRetries: 0 },
          breaker: { strategy: { type: 'consecutive', threshold: 3 } },
          health: { outlier: false },
        },
      ),
      8080,
    );
    expect(text).toContain('retries 0');
    expect(text).not.toContain('retry-on');
    expect(text).not.toContain('check');
    expect(unsupported.join('\n')).toMatch(/breaker: HAProxy has no circuit breaker/);
  });

  it('maps a rate limit to a stick table and a 429 deny, and routes to backends by path prefix', () => {
    const { text } = haproxyConfig(
      configWith({
        rateLimit: { limit: 50, windowMs: 1000, key: 'ip' },
        routes: [
          { match: { pathPrefix: '/api' }, cluster: 'service' },
          { match: { pathPrefix: '/' }, cluster: 'service' },
        ],
      }),
      8080,
    );
    expect(text).toContain('store http_req_rate(1000ms)');
    expect(text).toContain('http-request deny deny_status 429 if { sc_http_req_rate(0,rl_0) gt 50 }');
    expect(text).toContain('use_backend be_service if { path_beg /api }');
    expect(text).toContain('default_backend be_service');
  });

  it.skipIf(!haproxy)('writes configs `haproxy -c` accepts', async () => {
    for (const config of [
      configWith({}, { slowStart: { windowMs: 3000 } }),
      configWith({ rateLimit: { limit: 50, key: { header: 'x-user' } } }, { balancer: 'least_request' }),
      configWith({}, { retry: { maxRetries: 0 }, health: { outlier: false } }),
    ]) {
      const { code, output } = await checkWith(
        haproxy as string,
        () => haproxyConfig(config, 8080).text,
        (_, file) => ['-c', '-f', file],
      );
      expect(code, output).toBe(0);
    }
  });

  it.skipIf(!haproxy)('a broken config is refused by `haproxy -c` (the check can fail)', async () => {
    const { code } = await checkWith(
      haproxy as string,
      () => `${haproxyConfig(configWith(), 8080).text}  timeout bogus 1s\n`,
      (_, file) => ['-c', '-f', file],
    );
    expect(code).not.toBe(0);
  });
});
