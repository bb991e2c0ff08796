import { z } from 'zod';
import { journalSchema } from '../chaos/experiment/journal.js';
import { runReportSchema } from '../runner/run-report.js';

const JOURNAL_SCHEMA_ID = 'https://faultline.dev/schemas/journal.schema.json';

/**
 * The JSON report's JSON Schema (draft 2020-12), generated from the zod schema, as the report is
 * written. Each result's `journal` refers to docs/journal.schema.json instead of repeating it,
 * so the two files change independently. Kept in docs/report.schema.json; a test fails when it
 * is stale.
 */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://faultline.dev/schemas/report.schema.json',
    title: 'Faultline run report',
    ...z.toJSONSchema(runReportSchema, {
      io: 'output',
      target: 'draft-2020-12',
      override: (ctx) => {
        if (ctx.zodSchema !== journalSchema) return;
        for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
        ctx.jsonSchema.$ref = JOURNAL_SCHEMA_ID;
      },
    }),
  };
}
