import { z } from 'zod';
import { isLoopbackHost } from '../../common/loopback.js';
import { CAPABILITIES, type Capability } from '../capability.js';

/**
 * The target file of `--target external:FILE`: a user's own stack (their load balancer and their
 * instances), described in YAML or JSON. docs/targets.md#the-external-target has a complete example.
 * Every address is on loopback: the fault proxies run in Faultline's process, and the suite's
 * isolation allows no other host.
 */

/** What a user may declare: everything but what only Faultline's own stack has or what is derived. */
export const DECLARABLE_CAPABILITIES = (Object.keys(CAPABILITIES) as Capability[]).filter(
  (c) => c !== 'admin_state' && c !== 'embedded_stack' && c !== 'instance_processes',
) as [Capability, ...Capability[]];

/** `host:port` on loopback. @example '127.0.0.1:9001' */
export const loopbackAddressSchema = z.string().refine(
  (s) => {
    const i = s.lastIndexOf(':');
    const port = Number(s.slice(i + 1));
    return i > 0 && isLoopbackHost(s.slice(0, i)) && Number.isInteger(port) && port > 0 && port < 65_536;
  },
  { message: 'expected host:port on loopback (127.x.x.x, localhost or [::1]), e.g. 127.0.0.1:9001' },
);

/** An http(s) URL on loopback, without a trailing slash once parsed. */
const loopbackUrlSchema = z
  .string()
  .refine(
    (s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.hostname);
      } catch {
        return false;
      }
    },
    { message: 'expected an http:// URL on loopback, e.g. http://127.0.0.1:8080' },
  )
  .transform((s) => s.replace(/\/+$/, ''));

/**
 * A command line as an argv array, run without a shell in the target file's directory (write
 * `[sh, -c, '…']` for one). `${FAULTLINE_…}` placeholders are replaced (docs/targets.md).
 * @example ['haproxy', '-db', '-f', '${FAULTLINE_TMPDIR}/haproxy.cfg']
 */
const commandSchema = z.array(z.string().min(1)).min(1);

/** Extra environment of a command, merged over Faultline's own. Values take placeholders too. */
const envSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name'),
  z.string(),
);

/** A path the HTTP readiness check GETs (200 = ready). */
const readyPathSchema = z.string().startsWith('/', 'must start with /');

const seconds = z.number().positive().max(600);

/** A file rendered into the scenario's temp dir before the entry command starts. */
export const templateSchema = z.strictObject({
  /** The template, relative to the target file. @example 'haproxy.cfg.in' */
  from: z.string().min(1),
  /** Its name in the scenario's temp dir (`${FAULTLINE_TMPDIR}`). @example 'haproxy.cfg' */
  to: z.string().regex(/^[A-Za-z0-9_.-]+$/, "a plain file name (it is written in the scenario's temp dir)"),
});

/** The entry point: your balancer, already running at `url`, or started by `command`. */
export const entrySchema = z
  .strictObject({
    /**
     * The URL clients use. Without `command`, your balancer is already running there. With
     * `command`, the command's balancer must listen there. @default with `command`:
     * http://127.0.0.1:${FAULTLINE_PORT}, a free port chosen per scenario
     */
    url: loopbackUrlSchema.optional(),
    /** Starts your balancer in the foreground, per scenario, after the instances and their proxies. */
    command: commandSchema.optional(),
    /** Extra environment of the command. */
    env: envSchema.optional(),
    /** Files to render (placeholders replaced) into `${FAULTLINE_TMPDIR}` before the command starts. */
    templates: z.array(templateSchema).optional(),
    /** The entry is ready once `GET url + ready_path` answers 200. @default '/healthz' */
    ready_path: readyPathSchema.default('/healthz'),
    /** How long the entry may take to be ready, in seconds. @default 20 */
    ready_timeout_s: seconds.default(20),
  })
  .superRefine((e, ctx) => {
    if (!e.url && !e.command)
      ctx.addIssue({
        code: 'custom',
        message: 'give url (a running balancer) or command (one to start), or both',
      });
    if (!e.command && (e.env || e.templates))
      ctx.addIssue({
        code: 'custom',
        path: [e.env ? 'env' : 'templates'],
        message: 'only for an entry Faultline starts (give command)',
      });
  });

/**
 * How Faultline may hurt an address instance it did not start (process faults: kill -9 and
 * revive, freeze): its pid, read from a file whenever needed, and the command that starts it again.
 */
export const attachedProcessSchema = z.strictObject({
  /** The file your service manager writes the instance's pid to, relative to the target file. @example '/run/api-2.pid' */
  pid_file: z.string().min(1),
  /**
   * Starts it again after a kill and exits 0 (e.g. `[systemctl, start, api-2]`); the instance is
   * back once its address accepts connections (within `ready_timeout_s`).
   */
  start: commandSchema,
});

/** One instance: a command Faultline starts on a free port, or an address already serving. */
export const instanceSchema = z
  .strictObject({
    /** Its name, unique: of its fault proxy and its process; the reference service's INSTANCE_ID. @example 'api-1' */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, ".", "_" and "-"'),
    /**
     * Starts it in the foreground. It must listen on 127.0.0.1:$PORT (also `${FAULTLINE_PORT}`),
     * a free port chosen per scenario; Faultline kills and restarts it for process faults.
     */
    command: commandSchema.optional(),
    /** Extra environment of the command. */
    env: envSchema.optional(),
    /** Ready once `GET http://127.0.0.1:$PORT + ready_path` answers 200. @default TCP connect */
    ready_path: readyPathSchema.optional(),
    /** How long the command (or an address instance's `process.start`) may take to be ready, in seconds. @default 20 */
    ready_timeout_s: seconds.default(20),
    /** Or: where it already serves, `host:port` (Faultline does not start or stop it). */
    address: loopbackAddressSchema.optional(),
    /**
     * Where its fault proxy listens, `host:port`: your balancer's upstream for this instance.
     * Required when the entry is not started by Faultline (your balancer's config names it).
     * @default a free port, passed to the entry command as ${FAULTLINE_UPSTREAM_<n>}
     */
    proxy: loopbackAddressSchema.optional(),
    /** For an address instance: how to find and restart its process, for process faults. */
    process: attachedProcessSchema.optional(),
  })
  .superRefine((i, ctx) => {
    if (i.command && i.process)
      ctx.addIssue({
        code: 'custom',
        path: ['process'],
        message: 'only for an address instance (Faultline already controls the instances it starts)',
      });
    if (Boolean(i.command) === Boolean(i.address))
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of command (Faultline starts it) or address',
      });
    if (i.address && (i.env || i.ready_path))
      ctx.addIssue({
        code: 'custom',
        path: [i.env ? 'env' : 'ready_path'],
        message: 'only for an instance Faultline starts (give command, not address)',
      });
  });

export const externalTargetSchema = z
  .strictObject({
    /** Shown in reports as `external:<name>`. @default the file's name without its extension */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, ".", "_" and "-"')
      .optional(),
    entry: entrySchema,
    /** The instances behind the entry, in order (`${FAULTLINE_UPSTREAM_1}` is the first). */
    instances: z.array(instanceSchema).min(1),
    /**
     * What your stack does, so scenarios whose claims need it run (the rest are skipped with the
     * reason). Faultline cannot see your balancer's config: you declare it. @default []
     * @example ['retry_other_host', 'per_try_timeout', 'active_health_checks', 'reference_api']
     */
    capabilities: z.array(z.enum(DECLARABLE_CAPABILITIES)).default([]),
  })
  .superRefine((t, ctx) => {
    const seen = new Map<string, number>();
    t.instances.forEach((instance, i) => {
      const first = seen.get(instance.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['instances', i, 'name'],
          message: `"${instance.name}" is also instances[${first}]'s name`,
        });
      seen.set(instance.name, i);
      if (!t.entry.command && !instance.proxy)
        ctx.addIssue({
          code: 'custom',
          path: ['instances', i],
          message:
            'give proxy (host:port where its fault proxy listens, which your running balancer points at): entry has no command',
        });
    });
    const proxies = new Map<string, number>();
    t.instances.forEach((instance, i) => {
      if (!instance.proxy) return;
      const first = proxies.get(instance.proxy);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['instances', i, 'proxy'],
          message: `${instance.proxy} is also instances[${first}]'s proxy`,
        });
      proxies.set(instance.proxy, i);
    });
  });

export type ExternalTargetFile = z.output<typeof externalTargetSchema>;
export type ExternalInstance = ExternalTargetFile['instances'][number];
export type ExternalEntry = ExternalTargetFile['entry'];
