import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { journalJsonSchema } from '../../../src/chaos/experiment/index.js';

const FILE = fileURLToPath(new URL('../../../docs/journal.schema.json', import.meta.url));

describe('docs/journal.schema.json', () => {
  it('is generated from the journal zod schema (UPDATE_JOURNAL_SCHEMA=1 rewrites it)', () => {
    const generated = `${JSON.stringify(journalJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_JOURNAL_SCHEMA === '1') writeFileSync(FILE, generated);
    expect(readFileSync(FILE, 'utf8')).toBe(generated);
  });

  it('describes every top-level journal field', () => {
    const schema = journalJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'seed',
        'status',
        'deviated',
        'steady_states',
        'run',
        'rollbacks',
        'faults',
        'metrics',
      ]),
    );
    expect(schema.required).toContain('seed');
  });
});
