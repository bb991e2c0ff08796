import { z } from 'zod';

/** Values of ENVIRONMENT chaos may run in. */
export const SAFE_ENVIRONMENTS = ['test', 'chaos_test', 'development'] as const;

const envFlag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v) => {
      if (v === undefined || v.trim() === '') return fallback;
      return !['false', '0', 'no', 'off'].includes(v.trim().toLowerCase());
    });

const seconds = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected a positive number of seconds, got '${v}'` });
        return z.NEVER;
      }
      return n;
    });

/**
 * The environment variables the safety controller reads. Parsed once, at the controller's
 * construction; a bad value is a usage error naming the variable.
 */
export const safetyEnvSchema = z.object({
  /** Must be one of `test`, `chaos_test`, `development`. */
  ENVIRONMENT: z.string().optional(),
  /** Must point at a loopback host unless isolation is disabled. */
  DATABASE_URL: z.string().optional(),
  /** Must point at a loopback host unless isolation is disabled. */
  REDIS_URL: z.string().optional(),
  /**
   * Time limit of one experiment, in seconds.
   * @default 300
   */
  CHAOS_MAX_DURATION: seconds(300),
  /**
   * Time limit of the whole run (every experiment of one controller), in seconds.
   * @default 3600
   */
  CHAOS_MAX_RUN_DURATION: seconds(3600),
  /**
   * `false` turns the refusals and host guards off, and only together with `allowUnsafe`.
   * @default true
   */
  CHAOS_SAFETY_ENABLED: envFlag(true),
  /**
   * `false` allows DATABASE_URL / REDIS_URL off loopback.
   * @default true
   */
  CHAOS_ISOLATED: envFlag(true),
});
export type SafetyEnv = z.output<typeof safetyEnvSchema>;
