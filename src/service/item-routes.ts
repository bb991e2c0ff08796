import { intParam, readJsonBody, sendJson } from './http-json.js';
import { type ItemInput, itemInputSchema } from './item-store.js';
import type { Route, RouteContext } from './router.js';
import { ServiceRequestError } from './service-errors.js';

const idPattern = /^\/items\/(?<id>[A-Za-z0-9._~-]{1,200})$/;

async function readItemInput(ctx: RouteContext): Promise<ItemInput> {
  const parsed = itemInputSchema.safeParse(await readJsonBody(ctx.req));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new ServiceRequestError('FL_SERVICE_BAD_ITEM', `bad request body: ${where}${issue?.message}`, 400);
  }
  return parsed.data;
}

function notFound(id: string): ServiceRequestError {
  return new ServiceRequestError('FL_SERVICE_ITEM_NOT_FOUND', `item ${id} not found`, 404);
}

/** The items API: list, read, create (Idempotency-Key aware), replace, delete. */
export const itemRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/items$/,
    async handle({ res, url, state }) {
      const items = await state.store.list(intParam(url, 'limit', 1, 10_000, 100));
      sendJson(res, 200, { items, count: items.length });
    },
  },
  {
    method: 'POST',
    pattern: /^\/items$/,
    async handle(ctx) {
      const input = await readItemInput(ctx);
      const key = ctx.req.headers['idempotency-key'];
      const idempotencyKey = typeof key === 'string' && key !== '' ? key.slice(0, 200) : undefined;
      const { item, replayed } = await ctx.state.store.create(input, ctx.state.instanceId, idempotencyKey);
      sendJson(ctx.res, replayed ? 200 : 201, item, {
        location: `/items/${item.id}`,
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
    },
  },
  {
    method: 'GET',
    pattern: idPattern,
    async handle({ res, params, state }) {
      const id = params.id as string;
      const item = await state.store.get(id);
      if (!item) throw notFound(id);
      sendJson(res, 200, item);
    },
  },
  {
    method: 'PUT',
    pattern: idPattern,
    async handle(ctx) {
      const id = ctx.params.id as string;
      const input = await readItemInput(ctx);
      const { item, created } = await ctx.state.store.put(id, input, ctx.state.instanceId);
      sendJson(ctx.res, created ? 201 : 200, item);
    },
  },
  {
    method: 'DELETE',
    pattern: idPattern,
    async handle({ res, params, state }) {
      const id = params.id as string;
      if (!(await state.store.delete(id))) throw notFound(id);
      sendJson(res, 204, undefined);
    },
  },
];
