import { z } from 'zod';
import { journalSchema } from './journal.js';

/**
 * The journal's JSON Schema (draft 2020-12), generated from the zod schema, as the journal is
 * written (defaults applied). Kept in docs/journal.schema.json; a test fails when it is stale.
 */
export function journalJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://faultline.dev/schemas/journal.schema.json',
    title: 'Faultline experiment journal',
    ...z.toJSONSchema(journalSchema, { io: 'output', target: 'draft-2020-12' }),
  };
}
