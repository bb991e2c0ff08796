import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceStack } from '../../../src/suite/harness/reference-stack.js';
import { targetNamed } from '../../../src/targets/targets.js';

const SERVICE = fileURLToPath(new URL('../../../src/service/main.ts', import.meta.url));
const TSX_LOADER = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/** Live processes whose working directory is `dir` (an external target's commands run in its file's folder). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return readlinkSync(`/proc/${e}/cwd`) === dir && stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('external target: instances Faultline starts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-external-instances-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('one that cannot start fails the stack with its output, and the others are stopped', async () => {
    const service = JSON.stringify([process.execPath, '--import', TSX_LOADER, SERVICE]);
    await writeFile(
      join(dir, 'broken.yaml'),
      [
        'entry: { command: [sleep, "60"] }',
        'instances:',
        `  - { name: good-1, command: ${service}, ready_path: /healthz }`,
        `  - { name: good-2, command: ${service}, ready_path: /healthz }`,
        `  - { name: broken, command: [sh, -c, "sleep 1; echo cannot open config >&2; exit 3"] }`,
        '',
      ].join('\n'),
    );
    const target = targetNamed(`external:${join(dir, 'broken.yaml')}`);
    const scenarioDir = await mkdtemp(join(dir, 'scenario-'));
    await expect(startReferenceStack({ target, instances: 3, tmpDir: scenarioDir })).rejects.toThrow(
      /broken.*exited.*cannot open config/s,
    );
    // The two that started are stopped, and the entry never started.
    expect(processesIn(dir)).toEqual([]);
  }, 60_000);
});
