import { z } from 'zod';
import { faultlineConfigSchema } from './config-schema.js';

/**
 * The config file's JSON Schema (draft 2020-12), generated from `faultlineConfigSchema`, for
 * editors (`# yaml-language-server: $schema=…`). Kept in docs/faultline.config.schema.json; a test
 * fails when it is stale.
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://faultline.dev/schemas/faultline.config.schema.json',
    title: 'faultline.config.yaml',
    description: 'Faultline suite configuration; every key is described in docs/configuration.md',
    ...z.toJSONSchema(faultlineConfigSchema, { io: 'input', target: 'draft-2020-12' }),
  };
}
