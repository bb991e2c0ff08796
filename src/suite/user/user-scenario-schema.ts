import { z } from 'zod';
import { NEEDS, type Need } from '../../runner/needs.js';
import { type Category, type Scenario, userCategorySchema } from '../../runner/scenario.js';
import type { ScenarioParam } from '../../runner/scenario-params.js';

const snake = /^[a-z][a-z0-9_]*$/;

/** One overridable parameter, as a user module declares it (`ScenarioParam`). */
export const scenarioParamSchema = z
  .strictObject({
    kind: z.enum(['rate', 'phase', 'fault', 'bound']),
    default: z.number(),
    unit: z.enum(['req/s', 'ms', 'ratio', 'count']),
    description: z.string().min(1),
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().optional(),
  })
  .refine((p) => (p.min ?? 0) <= p.default && p.default <= (p.max ?? Number.POSITIVE_INFINITY), {
    message: 'default is outside [min, max]',
  }) satisfies z.ZodType<ScenarioParam>;

/**
 * What a user's scenario module must export (default export, or `export const scenario`): the
 * `Scenario` contract of src/runner/scenario.ts, checked at load time because a module is not
 * type-checked by us. `id` is `<category>.<slug>`; the category is built-in or the user's own
 * (snake_case).
 */
export const userScenarioSchema = z
  .object({
    id: z
      .string()
      .regex(
        /^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_.-]*$/,
        'expected <category>.<slug>, e.g. payments.card-declines',
      ),
    // Every built-in category is spelled this way too; this gives the clearer message.
    category: userCategorySchema,
    name: z.string().regex(snake, 'expected snake_case, e.g. card_declines'),
    title: z.string().min(1),
    description: z.string().min(1),
    needs: z.array(z.enum(Object.keys(NEEDS) as [Need, ...Need[]])).default([]),
    timeoutMs: z.number().int().positive().optional(),
    weight: z.number().positive().optional(),
    tags: z.array(z.string()).optional(),
    params: z.record(z.string().regex(snake), scenarioParamSchema).optional(),
    controls: z
      .array(
        z.strictObject({
          name: z.string().regex(snake),
          claim: z.string(),
          change: z.string(),
          stack: z.unknown(),
        }),
      )
      .optional(),
    run: z.custom<Scenario['run']>(
      (v) => typeof v === 'function',
      'expected a function (ctx) => Promise<Journal>',
    ),
  })
  .refine((s) => s.id.startsWith(`${s.category}.`), {
    message: 'the id must start with the category and a dot',
    path: ['id'],
  });

/** A scenario as a user writes it: the contract with `category` any string (validated on load). */
export type UserScenario = Omit<Scenario, 'category' | 'source'> & { readonly category: Category | string };
