import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * The first executable named `name` on `path` (default: process.env.PATH), or among `extra`
 * absolute paths tried first (e.g. `/usr/sbin/nginx`, off a non-root user's PATH); undefined
 * when there is none.
 */
export async function findBinary(
  name: string,
  options: { path?: string; extra?: readonly string[] } = {},
): Promise<string | undefined> {
  const dirs = (options.path ?? process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const candidate of [...(options.extra ?? []), ...dirs.map((d) => join(d, name))]) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}
