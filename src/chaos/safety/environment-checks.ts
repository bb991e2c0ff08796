import { isLoopbackHost } from '../../common/loopback.js';
import { SAFE_ENVIRONMENTS, type SafetyEnv } from './safety-config.js';

/** One line of the pre-flight report (`faultline experiment run --dry-run`). */
export interface SafetyCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface EnvironmentPolicy {
  /** Refuse DATABASE_URL / REDIS_URL off loopback. */
  isolated: boolean;
  /** CHAOS_SAFETY_ENABLED=false was accepted together with the explicit flag. */
  safetyDisabled: boolean;
}

/**
 * Evaluates the environment without side effects: one check per rule, failing checks first
 * in importance order. With safety disabled the checks still run, but report ok with a warning.
 */
export function evaluateEnvironment(env: SafetyEnv, policy: EnvironmentPolicy): SafetyCheck[] {
  const checks: SafetyCheck[] = [];
  const environment = env.ENVIRONMENT;
  const envOk = environment !== undefined && (SAFE_ENVIRONMENTS as readonly string[]).includes(environment);
  checks.push({
    name: 'environment',
    ok: envOk,
    detail: envOk
      ? `ENVIRONMENT=${environment}`
      : `ENVIRONMENT must be one of ${SAFE_ENVIRONMENTS.join(', ')} (got ${environment === undefined ? 'nothing' : `'${environment}'`})`,
  });
  for (const name of ['DATABASE_URL', 'REDIS_URL'] as const) {
    const url = env[name];
    if (url === undefined || url === '') {
      checks.push({ name: name.toLowerCase(), ok: true, detail: `${name} not set` });
      continue;
    }
    const host = hostOf(url);
    const loopback = host !== null && isLoopbackHost(host);
    checks.push({
      name: name.toLowerCase(),
      ok: loopback || !policy.isolated,
      detail: loopback
        ? `${name} points at loopback (${host})`
        : policy.isolated
          ? `${name} points off loopback (${host ?? 'unparsable URL'}); set CHAOS_ISOLATED=false to allow it`
          : `${name} points off loopback (${host ?? 'unparsable URL'}), allowed: isolation disabled`,
    });
  }
  if (policy.safetyDisabled) {
    return checks.map((c) =>
      c.ok ? c : { ...c, ok: true, detail: `IGNORED (CHAOS_SAFETY_ENABLED=false): ${c.detail}` },
    );
  }
  return checks;
}

/** The host of a URL, or null. A unix socket (`/path` or `host=/path`) counts as loopback. */
export function hostOf(url: string): string | null {
  if (url.startsWith('/')) return 'localhost';
  try {
    const u = new URL(url);
    const socketHost = u.searchParams.get('host');
    if (u.hostname === '' && socketHost?.startsWith('/')) return 'localhost';
    if (u.hostname === '') return 'localhost';
    return u.hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

export { isLoopbackHost };
