import { constants } from 'node:fs';
import { access, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Writes a report file whole or not at all (temp file + rename), creating parent directories. */
export async function writeReportFile(file: string, content: string): Promise<string> {
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, 'utf8');
  await rename(tmp, path);
  return path;
}

/**
 * Why a report could not be written to `file`, or undefined when it can: checked before a
 * long run, so a typo in a path fails in a second rather than after ten minutes.
 */
export async function reportFileProblem(file: string): Promise<string | undefined> {
  const path = resolve(file);
  try {
    if ((await stat(path)).isDirectory()) return `${file} is a directory`;
  } catch {
    // does not exist yet: fine
  }
  try {
    await mkdir(dirname(path), { recursive: true });
    await access(dirname(path), constants.W_OK);
    return undefined;
  } catch (err) {
    const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : String(err);
    return `cannot write to ${dirname(path)} (${code})`;
  }
}
