import type { Command } from 'commander';
import { experimentCommand } from './experiment.js';
import { gatewayCommand } from './gateway.js';
import { proxyCommand } from './proxy.js';
import { runCommand } from './run.js';

/**
 * The explicit registry of CLI subcommands (no import side effects). Each entry adds one
 * subcommand to the program; its action returns the process exit code.
 */
export type CommandRegistrar = (program: Command, setExitCode: (code: number) => void) => void;

export const commands: CommandRegistrar[] = [runCommand, gatewayCommand, proxyCommand, experimentCommand];
