import { describe, expect, it } from 'vitest';
import {
  BearerToken,
  ControlTokenRequiredError,
  controlAccess,
  WeakTokenError,
} from '../../../src/common/http/index.js';
import { isLoopbackHost } from '../../../src/common/loopback.js';

const secret = 's3cret-token-of-32-characters!!!';
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('controlAccess: loopback open, elsewhere only with a token', () => {
  it('is open on loopback without a token', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(controlAccess({ what: 'x', host, env: {} }), host).toBeUndefined();
  });

  it('refuses every other address without a token, naming the variable and the config key (exit 2)', () => {
    for (const host of ['0.0.0.0', '::', '', '10.0.0.5', 'example.com']) {
      let caught: unknown;
      try {
        controlAccess({ what: 'the fault proxy API', host, env: {}, configKey: 'admin.token' });
      } catch (err) {
        caught = err;
      }
      expect(caught, host).toBeInstanceOf(ControlTokenRequiredError);
      const err = caught as ControlTokenRequiredError;
      expect(err.exitCode).toBe(2);
      expect(err.message).toContain('FAULTLINE_TOKEN');
      expect(err.message).toContain('admin.token');
      expect(err.message).not.toContain('\n');
    }
  });

  it('takes the token from FAULTLINE_TOKEN, or from the option first', () => {
    const fromEnv = controlAccess({ what: 'x', host: '0.0.0.0', env: { FAULTLINE_TOKEN: secret } });
    expect(fromEnv?.matches(`Bearer ${secret}`)).toBe(true);
    const fromOption = controlAccess({
      what: 'x',
      host: '0.0.0.0',
      token: `${secret}-2`,
      env: { FAULTLINE_TOKEN: secret },
    });
    expect(fromOption?.matches(`Bearer ${secret}`)).toBe(false);
    expect(fromOption?.matches(`Bearer ${secret}-2`)).toBe(true);
  });

  it('requires the token on loopback too once one is set', () => {
    expect(controlAccess({ what: 'x', host: '127.0.0.1', env: { FAULTLINE_TOKEN: secret } })).toBeInstanceOf(
      BearerToken,
    );
  });

  it('refuses a token shorter than 16 characters, an empty variable counts as unset', () => {
    expect(() => controlAccess({ what: 'x', host: '127.0.0.1', env: { FAULTLINE_TOKEN: 'short' } })).toThrow(
      WeakTokenError,
    );
    expect(controlAccess({ what: 'x', host: '127.0.0.1', env: { FAULTLINE_TOKEN: '' } })).toBeUndefined();
  });
});

describe('BearerToken', () => {
  const token = new BearerToken(secret);

  it('accepts Bearer (any scheme case) and Basic with the token as password', () => {
    expect(token.matches(`Bearer ${secret}`)).toBe(true);
    expect(token.matches(`bearer ${secret}`)).toBe(true);
    expect(token.matches(basic('faultline', secret))).toBe(true);
    expect(token.matches(basic('', secret))).toBe(true);
  });

  it('refuses a missing, empty, wrong, longer, shorter or differently wrapped token', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Bearer ${secret.slice(0, -1)}`,
      `Bearer ${secret}x`,
      `Bearer ${secret.toUpperCase()}`,
      secret,
      `Token ${secret}`,
      basic(secret, ''),
      `Basic ${secret}`,
    ])
      expect(token.matches(header), String(header)).toBe(false);
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback from every-interface and remote addresses', () => {
    expect(
      ['127.0.0.1', 'localhost', 'a.localhost', '::1', '[::1]', '::ffff:127.0.0.1'].map(isLoopbackHost),
    ).toEqual([true, true, true, true, true, true]);
    expect(['0.0.0.0', '::', '', '10.0.0.1', '128.0.0.1', 'example.com'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
