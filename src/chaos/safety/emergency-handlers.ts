import type { SafetyController } from './safety-controller.js';

export interface EmergencyHandlerOptions {
  /** @default ['SIGINT', 'SIGTERM'] */
  signals?: NodeJS.Signals[];
  /** Also stop on `uncaughtException` and `unhandledRejection`. @default true */
  uncaught?: boolean;
  /** How to leave. @default process.exit */
  exit?: (code: number) => void;
  /** @default 130 */
  exitCode?: number;
  /** How long finalizers (journal writing, rollbacks) may take after the reverts. @default 2000 */
  finalizeBudgetMs?: number;
}

/**
 * Installs the emergency stop on process signals and uncaught errors: revert everything (within
 * the controller's budget), give finalizers a bounded moment, then exit 130. A second signal
 * exits at once. Returns the uninstaller; nothing is installed by merely importing this module.
 */
export function installEmergencyHandlers(
  controller: SafetyController,
  options: EmergencyHandlerOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const exitCode = options.exitCode ?? 130;
  const finalizeBudgetMs = options.finalizeBudgetMs ?? 2000;
  let stopping = false;

  const stop = (reason: string): void => {
    if (stopping) {
      exit(exitCode);
      return;
    }
    stopping = true;
    void controller
      .emergencyStop(reason)
      .then(() => controller.runFinalizers(finalizeBudgetMs))
      .finally(() => exit(exitCode));
  };
  const onSignal = (signal: NodeJS.Signals): void => stop(signal);
  const onUncaught = (err: unknown): void => {
    // We replace Node's crash report, so print it ourselves.
    process.stderr.write(
      `faultline: uncaught error, emergency stop: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    stop(`uncaught error: ${err instanceof Error ? err.message : String(err)}`);
  };

  for (const s of signals) process.on(s, onSignal);
  if (options.uncaught ?? true) {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  }
  return () => {
    for (const s of signals) process.off(s, onSignal);
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  };
}
