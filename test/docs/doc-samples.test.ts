import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocSample, docLocation, docSamples, sampleFileName } from './doc-samples.js';

/**
 * Every ```ts sample of README.md and docs/*.md is type-checked as a user's code would be: in a
 * project of its own that has `faultline` in node_modules, resolved through the package's own
 * `exports` map (package.json copied) onto declarations freshly emitted from src/. A sample that
 * imports from ./src/… or names something the package does not export fails here.
 * Placeholders that samples use without declaring them (logger, supervisor, …) are declared once
 * in CONTEXT below, typed with the package's own names.
 */

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);

const CONTEXT = `
declare const logger: import('pino').Logger;
declare const supervisor: import('faultline').ProcessSupervisor;
declare const safety: import('faultline').SafetyController;
declare const proxyServer: import('faultline').ProxyServer;
declare const controller: AbortController;
declare const origin: number;
declare const seed: number;
declare const text: string;
declare const url: string;
declare const api: string;
declare const pgPid: number;
declare function countStale(): Promise<number>;
declare const upstream: { retryBudget: import('faultline/stack').RetryBudget };
declare const req: import('node:http').IncomingMessage;
declare const pool: import('undici').Pool;
declare const opts: import('undici').Dispatcher.RequestOptions;
`;

/** A sample that must fail: proves the check sees what the package does not export. */
const NEGATIVE: DocSample = {
  doc: 'negative.md',
  line: 1,
  code: "import { linkAbort } from 'faultline/stack';\nimport { runExperiment } from './src/chaos/experiment/index.js';\nexport { linkAbort, runExperiment };",
};

const repoOptions = (
  JSON.parse(readFileSync(join(repo, 'tsconfig.json'), 'utf8')) as { compilerOptions: object }
).compilerOptions;
// One tsc run over the samples and the package's sources: about 25 s of CPU, much longer in wall
// time on a shared, busy machine, hence the generous hook limit.
let dir: string;
let samples: DocSample[];
let diagnostics: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-doc-samples-'));
  // The package as installed: its package.json, whose `exports` map is kept whole but points each
  // entry's types at the source file beside the declaration it names (./dist/x.d.ts -> ./src/x.ts),
  // so the check needs no build and never reads a stale dist/.
  const pkg = join(dir, 'pkg');
  mkdirSync(pkg);
  const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
    exports: Record<string, { types: string; default: string }>;
  };
  for (const entry of Object.values(manifest.exports)) {
    entry.types = entry.types.replace(/^\.\/dist\/(.*)\.d\.ts$/, './src/$1.ts');
  }
  writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest));
  symlinkSync(join(repo, 'src'), join(pkg, 'src'), 'dir');
  symlinkSync(join(repo, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  // The user's project.
  const app = join(dir, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(app, 'node_modules/faultline'), 'dir');
  for (const dep of ['pino', 'undici', '@types']) {
    mkdirSync(join(app, 'node_modules', dep, '..'), { recursive: true });
    symlinkSync(join(repo, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  }
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'doc-samples', type: 'module', private: true }),
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      // The repository's own options (strict, NodeNext, noUncheckedIndexedAccess, …), no emit.
      compilerOptions: {
        ...repoOptions,
        rootDir: undefined,
        outDir: undefined,
        paths: undefined,
        noEmit: true,
      },
      include: ['*.ts'],
    }),
  );
  writeFileSync(join(app, 'context.d.ts'), CONTEXT);
  samples = docSamples(repo);
  // `export {}` makes each sample a module of its own (top-level await, no name clashes).
  for (const s of [...samples, NEGATIVE])
    writeFileSync(join(app, sampleFileName(s)), `${s.code}\nexport {};\n`);
  const out = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
    cwd: app,
  }).then(
    (r) => r.stdout,
    (err: { stdout?: string }) => err.stdout ?? String(err),
  );
  diagnostics = out
    .split('\n')
    // Only the samples' diagnostics: the package's sources are checked by `npm run typecheck`.
    .filter((l) => /^[\w-]+__L\d+\.ts\(/.test(l))
    .map((l) => docLocation([...samples, NEGATIVE], l));
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('code samples in README.md and docs/', () => {
  it('finds the samples', () => {
    expect(samples.length).toBeGreaterThan(10);
  });

  it('every sample type-checks against the published package', () => {
    expect(diagnostics.filter((d) => !d.startsWith('negative.md'))).toEqual([]);
  });

  it('a sample naming something not exported, or importing ./src, fails', () => {
    expect(diagnostics.filter((d) => d.startsWith('negative.md'))).toEqual([
      expect.stringMatching(
        /^negative\.md:1:\d+: error TS2305: Module '"faultline\/stack"' has no exported member 'linkAbort'/,
      ),
      expect.stringMatching(
        /^negative\.md:2:\d+: error TS2307: Cannot find module '\.\/src\/chaos\/experiment\/index\.js'/,
      ),
    ]);
  });
});
