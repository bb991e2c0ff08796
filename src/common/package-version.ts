import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * Faultline's own version, from its package.json (read once). The same relative path holds from
 * src/common/ under tsx and from dist/common/ after the build.
 */
export function packageVersion(): string {
  if (cached === undefined) {
    const url = new URL('../../package.json', import.meta.url);
    cached = (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  }
  return cached;
}
