import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../../common/errors.js';
import { type GatewayConfig, type GatewayConfigInput, gatewayConfigSchema } from './gateway-config.js';

/** A bad gateway config: exit 2, and the message names the key, e.g. `clusters.api.hosts[1].url: expected URL`. */
export class GatewayConfigError extends UsageError {
  constructor(message: string) {
    super(message, { code: 'FL_GW_CONFIG' });
  }
}

/** `clusters.api.hosts[1].url` from ['clusters', 'api', 'hosts', 1, 'url']. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = formatIssuePath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${where}: ${issue.message}`;
}

/** Validates a config object; throws GatewayConfigError listing every problem, one per line. */
export function parseGatewayConfig(input: unknown, source = 'gateway config'): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map(formatIssue);
  throw new GatewayConfigError(`${source}: ${lines.join('; ')}`);
}

/** Reads a YAML or JSON file (JSON is YAML) and validates it. */
export async function loadGatewayConfig(path: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new GatewayConfigError(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let data: unknown;
  try {
    // logLevel 'error': an unknown tag is the schema's business, not a warning on stderr.
    data = parseYaml(text, { logLevel: 'error' });
  } catch (err) {
    throw new GatewayConfigError(`${path}: not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseGatewayConfig(data, path);
}

export type { GatewayConfigInput };
