import { z } from 'zod';
import { readJsonBody, sendJson } from './http-json.js';
import type { Route, RouteContext } from './router.js';
import { ServiceRequestError } from './service-errors.js';

/** `POST /admin/memory`: grow the heap by `mb`, or drop all ballast with `release`. */
export const memoryRequestSchema = z
  .object({
    /**
     * MiB of heap to add.
     * @default 0
     */
    mb: z.number().int().min(0).max(16_384).default(0),
    /**
     * Drop all ballast first.
     * @default false
     */
    release: z.boolean().default(false),
  })
  .strict();

/** `POST /admin/cpu`: burn `duty` of every 50 ms for `ms` in the background (duty 0 stops). */
export const cpuRequestSchema = z
  .object({
    /** Share of each 50 ms slice spent spinning, 0..1. */
    duty: z.number().min(0).max(1),
    /**
     * How long, ms.
     * @default 10000
     */
    ms: z.number().int().min(0).max(600_000).default(10_000),
  })
  .strict();

/** `POST /admin/health`: force `/healthz` to pass or fail; `null` returns to normal. */
export const healthRequestSchema = z.object({ healthy: z.boolean().nullable() }).strict();

async function parseBody<T>(ctx: RouteContext, schema: z.ZodType<T>): Promise<T> {
  const parsed = schema.safeParse((await readJsonBody(ctx.req)) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new ServiceRequestError('FL_SERVICE_BAD_ADMIN', `bad request body: ${where}${issue?.message}`, 400);
  }
  return parsed.data;
}

/** Introspection and self-inflicted faults for the scenarios. */
export const adminRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/admin\/stats$/,
    handle({ res, state }) {
      const runtime = state.monitor.stats();
      sendJson(res, 200, {
        instance: state.instanceId,
        pid: process.pid,
        requests: state.counters.requests,
        in_flight: state.counters.inFlight,
        by_status: state.counters.byStatus,
        store: state.store.kind,
        dependency_url: state.dependencyUrl ?? null,
        ballast_mb: state.ballast.mb,
        cpu_load_active: state.cpuLoad.active,
        draining: state.draining,
        ...runtime,
      });
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/memory$/,
    async handle(ctx) {
      const body = await parseBody(ctx, memoryRequestSchema);
      if (body.release) ctx.state.ballast.release();
      ctx.state.ballast.grow(body.mb);
      const runtime = ctx.state.monitor.stats();
      sendJson(ctx.res, 200, {
        ballast_mb: ctx.state.ballast.mb,
        rss_mb: runtime.rss_mb,
        heap_used_mb: runtime.heap_used_mb,
      });
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/cpu$/,
    async handle(ctx) {
      const body = await parseBody(ctx, cpuRequestSchema);
      if (body.duty === 0 || body.ms === 0) ctx.state.cpuLoad.stop();
      else ctx.state.cpuLoad.start(body.duty, body.ms);
      sendJson(ctx.res, 200, { active: ctx.state.cpuLoad.active, duty: body.duty, ms: body.ms });
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/health$/,
    async handle(ctx) {
      const body = await parseBody(ctx, healthRequestSchema);
      ctx.state.healthOverride = body.healthy;
      sendJson(ctx.res, 200, { healthy: body.healthy });
    },
  },
];
