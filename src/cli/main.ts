import { Command, CommanderError } from 'commander';
import { isFaultlineError } from '../common/errors.js';
import { packageVersion } from '../common/package-version.js';
import { commands } from './commands/index.js';

/**
 * Entry point of the `faultline` CLI. Known errors become one line on stderr and their exit
 * code (2 for usage); anything else is a bug and is re-thrown with its stack.
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('faultline')
    .description('Chaos engineering for Node.js load-balancing stacks')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of commands) {
    register(program, (code) => {
      exitCode = code;
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are "errors" in commander's exitOverride mode, with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isFaultlineError(err)) {
      process.stderr.write(`faultline: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
