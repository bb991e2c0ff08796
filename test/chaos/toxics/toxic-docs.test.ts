import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toxicRegistry } from '../../../src/chaos/toxics/index.js';

/** docs/proxy.md documents every registered toxic and every one of its attributes. */
describe('toxic docs', () => {
  const docs = readFileSync(new URL('../../../docs/proxy.md', import.meta.url), 'utf8');
  for (const [type, toxic] of Object.entries(toxicRegistry)) {
    it(`${type} has a row in the toxics table naming each attribute`, () => {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${type}\` |`));
      expect(row, `no row for ${type}`).toBeDefined();
      const schema = z.toJSONSchema(toxic.attributes, { io: 'input' }) as {
        properties?: Record<string, unknown>;
      };
      for (const attribute of Object.keys(schema.properties ?? {})) expect(row).toContain(`\`${attribute}\``);
    });
  }
});
