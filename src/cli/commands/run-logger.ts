import { type DestinationStream, type Logger, pino, type StreamEntry } from 'pino';

export interface RunLogger {
  logger: Logger;
  /** Flushes and closes the log file, if any. */
  close(): Promise<void>;
}

/**
 * The run's pino logger: JSON lines to CHAOS_LOG_FILE / --log-file (debug level) and, with
 * --verbose, to stderr too. With neither, it is silent: the terminal view is the output.
 */
export function createRunLogger(options: { logFile?: string; verbose: boolean }): RunLogger {
  const streams: StreamEntry[] = [];
  let file:
    | (DestinationStream & { end(): void; flushSync(): void; on(e: string, f: () => void): void })
    | undefined;
  if (options.logFile) {
    file = pino.destination({ dest: options.logFile, sync: true, mkdir: true }) as typeof file;
    streams.push({ level: 'debug', stream: file as DestinationStream });
  }
  if (options.verbose) streams.push({ level: 'debug', stream: process.stderr });
  if (streams.length === 0) return { logger: pino({ level: 'silent' }), close: async () => {} };
  const logger = pino(
    { level: 'debug', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream(streams),
  );
  return {
    logger,
    close: async () => {
      if (!file) return;
      const f = file;
      await new Promise<void>((resolve) => {
        f.on('close', resolve);
        f.on('error', () => resolve());
        f.end();
      });
    },
  };
}
