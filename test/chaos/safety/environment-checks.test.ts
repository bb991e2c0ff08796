import { describe, expect, it } from 'vitest';
import {
  evaluateEnvironment,
  hostOf,
  isLoopbackHost,
  SafetyController,
  SafetyRefusedError,
  safetyEnvSchema,
} from '../../../src/chaos/safety/index.js';

const env = (e: Record<string, string>) => safetyEnvSchema.parse(e);
const policy = { isolated: true, safetyDisabled: false };

describe('evaluateEnvironment', () => {
  it('accepts test, chaos_test and development only', () => {
    for (const ok of ['test', 'chaos_test', 'development']) {
      expect(evaluateEnvironment(env({ ENVIRONMENT: ok }), policy).every((c) => c.ok)).toBe(true);
    }
    for (const bad of ['production', 'staging', 'TEST', '']) {
      const [check] = evaluateEnvironment(env({ ENVIRONMENT: bad }), policy);
      expect(check).toMatchObject({ name: 'environment', ok: false });
    }
    expect(evaluateEnvironment(env({}), policy)[0]?.detail).toContain('got nothing');
  });

  it('refuses DATABASE_URL and REDIS_URL off loopback unless isolation is disabled', () => {
    const e = env({
      ENVIRONMENT: 'test',
      DATABASE_URL: 'postgresql://user:pass@db.prod.internal:5432/app',
      REDIS_URL: 'redis://127.0.0.1:6379/15',
    });
    const checks = evaluateEnvironment(e, policy);
    expect(checks.find((c) => c.name === 'database_url')).toMatchObject({ ok: false });
    expect(checks.find((c) => c.name === 'database_url')?.detail).toContain('db.prod.internal');
    expect(checks.find((c) => c.name === 'redis_url')).toMatchObject({ ok: true });
    const open = evaluateEnvironment(e, { isolated: false, safetyDisabled: false });
    expect(open.every((c) => c.ok)).toBe(true);
  });

  it('knows loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '::1', 'db.localhost'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['10.0.0.1', 'example.com', '0.0.0.0', '::'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(hostOf('postgresql://u@[::1]:5432/x')).toBe('::1');
    expect(hostOf('postgresql:///db?host=/var/run/postgresql')).toBe('localhost');
    expect(hostOf('not a url')).toBeNull();
  });
});

describe('SafetyController checks', () => {
  it('throws SafetyRefusedError (FL_SAFETY_REFUSED, exit 3) listing every failed check', () => {
    const safety = new SafetyController({
      env: { ENVIRONMENT: 'production', REDIS_URL: 'redis://10.1.2.3:6379' },
    });
    let err: unknown;
    try {
      safety.assertSafe();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SafetyRefusedError);
    expect(err).toMatchObject({ code: 'FL_SAFETY_REFUSED', exitCode: 3 });
    expect((err as SafetyRefusedError).reasons).toHaveLength(2);
  });

  it('CHAOS_SAFETY_ENABLED=false alone is refused; with allowUnsafe it passes with a warning', () => {
    const e = { ENVIRONMENT: 'production', CHAOS_SAFETY_ENABLED: 'false' };
    const refused = new SafetyController({ env: e });
    expect(refused.safetyEnabled).toBe(true);
    expect(() => refused.assertSafe()).toThrow(/CHAOS_SAFETY_ENABLED=false needs the explicit flag/);
    const warned: string[] = [];
    const logger = {
      child: () => logger,
      warn: (msg: string) => warned.push(msg),
      info: () => {},
      debug: () => {},
      error: () => {},
    };
    const unsafe = new SafetyController({ env: e, allowUnsafe: true, logger: logger as never });
    expect(unsafe.safetyEnabled).toBe(false);
    expect(() => unsafe.assertSafe()).not.toThrow();
    expect(unsafe.checks().find((c) => c.name === 'safety_enabled')?.detail).toMatch(/WARNING/);
    expect(unsafe.checks().find((c) => c.name === 'environment')?.detail).toMatch(/^IGNORED/);
    expect(warned.join()).toMatch(/SAFETY DISABLED/);
  });

  it('reads CHAOS_MAX_DURATION and CHAOS_MAX_RUN_DURATION in seconds, and rejects bad values', () => {
    const s = new SafetyController({ env: { ENVIRONMENT: 'test' } });
    expect(s.maxExperimentMs).toBe(300_000);
    expect(s.maxRunMs).toBe(3_600_000);
    const t = new SafetyController({
      env: { ENVIRONMENT: 'test', CHAOS_MAX_DURATION: '2.5', CHAOS_MAX_RUN_DURATION: '60' },
    });
    expect(t.maxExperimentMs).toBe(2500);
    expect(t.maxRunMs).toBe(60_000);
    expect(() => new SafetyController({ env: { CHAOS_MAX_DURATION: 'soon' } })).toThrow(
      /CHAOS_MAX_DURATION: expected a positive number of seconds, got 'soon'/,
    );
  });
});
