import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './import-graph.js';
import { layerViolations } from './layers.js';

const src = fileURLToPath(new URL('../../src/', import.meta.url));
const graph = importGraph(src);

describe('imports run one way (docs/architecture.md)', () => {
  it('src/stack imports nothing from the chaos engine, the suite, the runner or the reports', () => {
    const bad = [...graph.edges].flatMap(([from, to]) =>
      from.startsWith('stack/')
        ? to.filter((t) => /^(chaos|suite|runner|report|cli|service)\//.test(t)).map((t) => `${from} -> ${t}`)
        : [],
    );
    expect(bad).toEqual([]);
  });

  it('no lower layer imports a higher one, and peers do not import each other', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it('inside the engine, only src/chaos/experiment imports src/chaos/experiment', () => {
    const bad = [...graph.edges].flatMap(([from, to]) =>
      from.startsWith('chaos/') && !from.startsWith('chaos/experiment/')
        ? to.filter((t) => t.startsWith('chaos/experiment/')).map((t) => `${from} -> ${t}`)
        : [],
    );
    expect(bad).toEqual([]);
  });

  it('has no import cycle (type-only imports count)', () => {
    expect(importCycles(graph)).toEqual([]);
  });
});

describe('the checks catch what they are for', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-arch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  write('common/a.ts', "import type { B } from '../stack/b.js';\nexport type A = B;\n");
  write('stack/b.ts', "import { c } from './c.js';\nexport type B = typeof c;\n");
  write('stack/c.ts', "// import { x } from '../chaos/x.js';\nexport { d as c } from './d.js';\n");
  write('stack/d.ts', "export const d = await import('./b.js');\n");
  write('suite/e.ts', "import '../report/f.js';\n");
  write('report/f.ts', 'export {};\n');
  const fixture = importGraph(dir);

  it('an upward import (type-only too) and a peer import are violations; a commented one is not', () => {
    expect(layerViolations(fixture)).toEqual([
      'common/a.ts -> stack/b.ts (common is below stack)',
      'suite/e.ts -> report/f.ts (suite and report are peers)',
    ]);
  });

  it('a cycle through export-from and dynamic import is found', () => {
    expect(importCycles(fixture)).toEqual([['stack/b.ts', 'stack/c.ts', 'stack/d.ts']]);
  });

  it('an import that resolves to no file fails the walk', () => {
    write('cli/g.ts', "import '../nowhere.js';\n");
    expect(() => importGraph(dir)).toThrow(/cannot resolve import '..\/nowhere.js'/);
  });
});
