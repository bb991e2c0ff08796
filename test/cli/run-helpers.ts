import { type ChildProcess, spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { createRunCommand, type RunCommandDeps } from '../../src/cli/commands/run.js';
import { isFaultlineError } from '../../src/common/errors.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./run-entry.ts', import.meta.url));
const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
/** The repository root and the CLI test entry, for tests that spawn in their own way. */
export const ROOT_PATH = ROOT;
export const ENTRY_PATH = ENTRY;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A clean environment for the CLI: only PATH/HOME plus what the test gives. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * Runs the real CLI in a child process (`node --import tsx test/cli/run-entry.ts ...`).
 * `onStdout` sees the output as it comes (e.g. to send SIGINT at the right moment).
 */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: {
    onStdout?: (soFar: string, child: ChildProcess) => void;
    timeoutMs?: number;
    /** Working directory (default: the repository root). */
    cwd?: string;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // tsx by path, so that a cwd outside the repository works too.
    const child = spawn(process.execPath, ['--import', TSX_LOADER, ENTRY, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `CLI did not exit within ${options.timeoutMs ?? 60_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Collects what is written to it. */
export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * Runs `faultline run ...` in this process with the given scenarios, streams and environment,
 * mapping errors to exit codes as src/cli/main.ts does (commander errors 2, FaultlineError its
 * exitCode). Faster than a child process; the child-process tests cover main.ts itself.
 */
export async function runInProcess(
  args: string[],
  deps: RunCommandDeps & { env: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  let code = 0;
  const program = new Command('faultline')
    .exitOverride()
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  createRunCommand({ ...deps, stdout, stderr })(program, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(['run', ...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) code = err.exitCode === 0 ? 0 : 2;
    else if (isFaultlineError(err)) {
      stderr.write(`faultline: ${err.message}\n`);
      code = err.exitCode;
    } else throw err;
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}
