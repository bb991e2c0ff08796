import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { faultlineConfigSchema } from '../../../src/cli/config/config-schema.js';

/** Every key path of the schema: `safety`, `safety.timeout_s`, …, `overrides`. */
function keyPaths(schema: z.ZodType, prefix = ''): string[] {
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  if (!(inner instanceof z.ZodObject)) return [];
  return Object.entries(inner.shape).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...keyPaths(value as z.ZodType, path)];
  });
}

// The schema doubles as the docs: docs/configuration.md must name every key it accepts.
describe('docs/configuration.md', () => {
  it('documents every key of faultlineConfigSchema', async () => {
    const doc = await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const keys = keyPaths(faultlineConfigSchema);
    expect(keys.length).toBeGreaterThan(15);
    expect(keys.filter((k) => !doc.includes(`\`${k}`))).toEqual([]);
  });
});
