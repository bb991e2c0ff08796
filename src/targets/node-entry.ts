import { fileURLToPath } from 'node:url';

/** How to start one of Faultline's own modules as a Node process. */
export interface NodeCommand {
  command: string;
  args: string[];
}

// `src/` when running from the sources (vitest, tsx), `dist/` after the build.
const codeRoot = new URL('../', import.meta.url);
const fromSources = import.meta.url.endsWith('.ts');

/**
 * The command line for a module of this package, given its path under `src/` without the
 * extension (e.g. `service/main`): `node <dist>/….js` after the build, and
 * `node --import tsx <src>/….ts` from the sources, so tests and the built CLI run the same code.
 */
export function nodeEntry(modulePath: string, nodeArgs: readonly string[] = []): NodeCommand {
  const file = fileURLToPath(new URL(`${modulePath}${fromSources ? '.ts' : '.js'}`, codeRoot));
  return {
    command: process.execPath,
    args: [...nodeArgs, ...(fromSources ? ['--import', 'tsx'] : []), file],
  };
}

/**
 * Environment of the suite's own gateways: they listen on loopback only and the harness reads
 * their admin API without a token, so a FAULTLINE_TOKEN meant for the user's own listeners is
 * not passed on to them (empty = unset).
 */
export const privateListenerEnv: Readonly<Record<string, string>> = { FAULTLINE_TOKEN: '' };
