import type { Command } from 'commander';

/**
 * One CLI subcommand: adds itself to the program; its action reports the process exit code
 * through `setExitCode`. The registry of them is `commands` in `./index.ts`.
 */
export type CommandRegistrar = (program: Command, setExitCode: (code: number) => void) => void;
