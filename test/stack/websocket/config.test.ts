import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/stack/gateway/load-gateway-config.js';
import { websocketConfigSchema } from '../../../src/stack/websocket/websocket-config.js';

describe('websocket config', () => {
  it('fills the documented defaults', () => {
    expect(websocketConfigSchema.parse({ sessions: { secret: 'x'.repeat(16) } })).toEqual({
      pathPrefix: '/',
      connectTimeoutMs: 2000,
      maxConnectAttempts: 2,
      perMessageDeflate: false,
      sessions: {
        enabled: true,
        secret: 'x'.repeat(16),
        redisUrl: 'redis://127.0.0.1:6379',
        keyPrefix: 'fl:ws:',
        resumeWindowMs: 120_000,
        maxLogMessages: 1000,
        commandTimeoutMs: 1000,
      },
      limits: {
        maxMessageBytes: 1_048_576,
        messagesPerSecond: 100,
        messageBurst: 200,
        onExceed: 'close',
        acceptsPerSecond: 500,
        acceptBurst: 500,
        maxConnections: 0,
      },
      heartbeat: { intervalMs: 25_000 },
    });
  });

  it('names the key of a bad value', () => {
    const clusters = { a: { hosts: [{ url: 'http://127.0.0.1:1' }] } };
    expect(() => parseGatewayConfig({ clusters, websocket: { cluster: 'b' } })).toThrow(
      /websocket\.cluster.*unknown cluster "b"/,
    );
    expect(() => parseGatewayConfig({ clusters, websocket: { sessions: { secret: 'short' } } })).toThrow(
      /websocket\.sessions\.secret/,
    );
    expect(() => parseGatewayConfig({ clusters, websocket: { limits: { onExceed: 'drop' } } })).toThrow(
      /websocket\.limits\.onExceed/,
    );
  });
});
