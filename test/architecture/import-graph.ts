import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * A hand-written import graph of the TypeScript sources under one folder: every `import … from`,
 * `export … from`, side-effect `import '…'` and dynamic `import('…')` with a relative specifier,
 * type-only imports included (they couple modules just the same). Our sources are ESM under
 * NodeNext, so every relative specifier names its file with a `.js` extension that maps to the
 * `.ts` beside it; that makes resolution one string replace, and a library (madge,
 * dependency-cruiser) would bring a parser and a resolver we do not need.
 */
export interface ImportGraph {
  /** Files, relative to the root, with `/` separators (`chaos/load/load.ts`). */
  readonly files: readonly string[];
  /** file → the files it imports, both relative to the root. */
  readonly edges: ReadonlyMap<string, readonly string[]>;
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s*(?:type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every `.ts` file under `dir`, recursively, relative to `root`. */
function listTs(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(root, path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(relative(root, path).split('\\').join('/'));
    }
  }
  return out.sort();
}

/** Strips comments so an `import` in a docstring sample does not count. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Builds the graph of `root` (an absolute path to a source folder). Throws on an unresolved import. */
export function importGraph(root: string): ImportGraph {
  const files = listTs(root);
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const source = stripComments(readFileSync(join(root, file), 'utf8'));
    const targets = new Set<string>();
    for (const match of source.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2];
      if (specifier === undefined || !specifier.startsWith('.')) continue;
      const absolute = resolve(root, dirname(file), specifier.replace(/\.js$/, '.ts'));
      const target = relative(root, absolute).split('\\').join('/');
      if (!known.has(target)) throw new Error(`${file}: cannot resolve import '${specifier}'`);
      targets.add(target);
    }
    edges.set(file, [...targets].sort());
  }
  return { files, edges };
}

/**
 * The import cycles of a graph, one per strongly connected component with more than one file (or a
 * file importing itself), each listed as the files of the component (Tarjan's algorithm).
 */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.edges.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.edges.get(file) ?? []).includes(file)) cycles.push(component.sort());
    }
  };
  for (const file of graph.files) if (!index.has(file)) visit(file);
  return cycles;
}
