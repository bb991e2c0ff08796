import { main } from '../../cli/main.js';

/**
 * Runs the `faultline` CLI from wherever this file is (sources under tsx, or dist), so the
 * harness can start `faultline gateway --config …` as a child in tests and in the built CLI alike.
 */
main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`faultline: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 70;
  },
);
