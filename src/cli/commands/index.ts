import type { CommandRegistrar } from './command-registrar.js';
import { experimentCommand } from './experiment.js';
import { gatewayCommand } from './gateway.js';
import { proxyCommand } from './proxy.js';
import { runCommand } from './run.js';
import { scenarioCommand } from './scenario.js';

/** The explicit registry of CLI subcommands (no import side effects). */
export const commands: CommandRegistrar[] = [
  runCommand,
  gatewayCommand,
  proxyCommand,
  experimentCommand,
  scenarioCommand,
];
