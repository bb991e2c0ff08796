import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../src/cli/config/config-json-schema.js';

const FILE = fileURLToPath(new URL('../../../docs/faultline.config.schema.json', import.meta.url));

describe('docs/faultline.config.schema.json', () => {
  it('is generated from the config zod schema (UPDATE_CONFIG_SCHEMA=1 rewrites it)', () => {
    const generated = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_CONFIG_SCHEMA === '1') writeFileSync(FILE, generated);
    expect(readFileSync(FILE, 'utf8')).toBe(generated);
  });

  it('rejects unknown keys, as the loader does', () => {
    const schema = configJsonSchema() as {
      additionalProperties: boolean;
      properties: Record<string, { additionalProperties?: boolean }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.safety?.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual([
      'safety',
      'mocks',
      'monitoring',
      'isolation',
      'targets',
      'scenarios',
      'overrides',
    ]);
  });
});
