import { describe, expect, it } from 'vitest';
import { findBinary } from '../../src/runner/needs.js';
import { nginxConfig } from '../../src/targets/nginx-config.js';
import { checkWith, configWith } from './generated-config.js';

const nginx = await findBinary('nginx', { redisUrl: '', databaseUrl: '' }, ['/usr/sbin/nginx']);

describe('nginxConfig', () => {
  it('maps timeouts, retries to the next upstream and passive max_fails', () => {
    const { text, unsupported } = nginxConfig(configWith(), 8081, '/tmp/x');
    expect(text).toContain('listen 127.0.0.1:8081;');
    expect(text).toContain('proxy_connect_timeout 500ms;');
    expect(text).toContain('proxy_read_timeout 2000ms;');
    expect(text).toContain('proxy_next_upstream error timeout http_502 http_503 http_504;');
    expect(text).toContain('proxy_next_upstream_tries 3;');
    expect(text).toContain('proxy_next_upstream_timeout 5000ms;');
    expect(text).toContain('server 127.0.0.1:9001 max_fails=3 fail_timeout=2s max_conns=64;');
    expect(text).toContain('pid /tmp/x/nginx.pid;');
    expect(text).toContain('server 127.0.0.1:9002 backup max_fails=0 max_conns=64;');
    expect(unsupported.join('\n')).toMatch(
      /health\.active: nginx open source has no active health checks \(health_check is NGINX Plus\)/,
    );
  });

  it('maps per-route timeouts, a rate limit and a cache with stale answers', () => {
    const { text } = nginxConfig(
      configWith({
        rateLimit: { limit: 100, windowMs: 1000, key: 'ip', burst: 20 },
        routes: [
          {
            match: { pathPrefix: '/dependency' },
            cluster: 'service',
            timeouts: { perTryMs: 300 },
            cache: {},
          },
          { match: { pathPrefix: '/' }, cluster: 'service', retry: { maxRetries: 0 } },
        ],
      }),
      8081,
      '/tmp/x',
    );
    expect(text).toContain('limit_req_zone $binary_remote_addr zone=rl_0:1m rate=100r/s;');
    expect(text).toContain('limit_req zone=rl_0 burst=20 nodelay;');
    expect(text).toMatch(/location \/dependency \{[^}]*proxy_read_timeout 300ms;[^}]*proxy_cache cache_0;/);
    expect(text).toContain(
      'proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;',
    );
    expect(text).toMatch(/location \/ \{[^}]*proxy_next_upstream off;/);
  });

  it.skipIf(!nginx)('writes configs `nginx -t` accepts', async () => {
    for (const config of [
      configWith(),
      configWith(
        {
          rateLimit: { limit: 5, windowMs: 60_000, key: { header: 'x-user' } },
          routes: [{ match: { pathPrefix: '/' }, cluster: 'service', cache: {} }],
        },
        { balancer: 'least_request', health: { outlier: false } },
      ),
    ]) {
      const { code, output } = await checkWith(
        nginx as string,
        (dir) => nginxConfig(config, 8081, dir).text,
        (dir, file) => ['-t', '-p', dir, '-c', file, '-e', 'stderr'],
      );
      expect(code, output).toBe(0);
    }
  });

  it.skipIf(!nginx)('a broken config is refused by `nginx -t` (the check can fail)', async () => {
    const { code } = await checkWith(
      nginx as string,
      (dir) => nginxConfig(configWith(), 8081, dir).text.replace('proxy_read_timeout', 'proxy_reed_timeout'),
      (dir, file) => ['-t', '-p', dir, '-c', file, '-e', 'stderr'],
    );
    expect(code).not.toBe(0);
  });
});
