import { isLoopbackHost } from '../../common/loopback.js';
import { SafetyRefusedError } from './errors.js';
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

/** The controller's settings the pre-flight report states (see SafetyControllerOptions). */
export interface PreflightSettings {
  /** Refuse DATABASE_URL / REDIS_URL off loopback. */
  isolated: boolean;
  /** The explicit flag (`--i-know-what-i-am-doing` / `allowUnsafe`) was given. */
  allowUnsafe: boolean;
  /** One experiment's time limit (ms). */
  maxExperimentMs: number;
  /** The whole run's time limit (ms). */
  maxRunMs: number;
}

/**
 * The pre-flight report, without throwing (for `--dry-run`): the environment checks, then
 * `safety_enabled` (CHAOS_SAFETY_ENABLED=false fails it unless `allowUnsafe`, and then warns),
 * then `time_limits` (always ok; states them).
 */
export function preflightChecks(env: SafetyEnv, settings: PreflightSettings): SafetyCheck[] {
  const disabled = env.CHAOS_SAFETY_ENABLED === false;
  const checks = evaluateEnvironment(env, {
    isolated: settings.isolated,
    safetyDisabled: disabled && settings.allowUnsafe,
  });
  if (disabled) {
    checks.push(
      settings.allowUnsafe
        ? {
            name: 'safety_enabled',
            ok: true,
            detail: 'WARNING: safety checks DISABLED (CHAOS_SAFETY_ENABLED=false with the explicit flag)',
          }
        : {
            name: 'safety_enabled',
            ok: false,
            detail:
              'CHAOS_SAFETY_ENABLED=false needs the explicit flag (--i-know-what-i-am-doing / allowUnsafe)',
          },
    );
  } else {
    checks.push({ name: 'safety_enabled', ok: true, detail: 'safety checks enabled' });
  }
  checks.push({
    name: 'time_limits',
    ok: true,
    detail: `experiment ${settings.maxExperimentMs} ms, run ${settings.maxRunMs} ms`,
  });
  return checks;
}

/**
 * Throws SafetyRefusedError (exit 3) listing the detail of every failed check, or, when all
 * passed but the emergency stop has fired (`stopped`), saying so.
 */
export function assertPreflight(checks: readonly SafetyCheck[], stopped: boolean): void {
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0) throw new SafetyRefusedError(failed.map((c) => c.detail));
  if (stopped) throw new SafetyRefusedError(['the emergency stop has fired']);
}
