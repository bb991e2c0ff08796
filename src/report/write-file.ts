import { mkdir, rename, writeFile } from 'node:fs/promises';
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
