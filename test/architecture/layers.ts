import type { ImportGraph } from './import-graph.js';

/**
 * The layers of src/, lowest first. A file may import files of its own unit and of units in a
 * lower layer; never a unit of its own layer (peers stay apart) or of a higher one. The order and
 * why it is so are in docs/architecture.md.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['common'],
  ['stack', 'service'],
  ['chaos', 'ws-client'],
  ['targets'],
  ['runner'],
  ['suite', 'report'],
  ['cli'],
  ['(root)'],
];

/** The unit of a file: its top folder under src/, or `(root)` for src/index.ts. */
export function unitOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : '(root)';
}

function layerOf(unit: string): number {
  const layer = LAYERS.findIndex((units) => units.includes(unit));
  if (layer < 0)
    throw new Error(`src/${unit} is in no layer: add it to LAYERS in test/architecture/layers.ts`);
  return layer;
}

/** Every import that breaks the layer order, as `from -> to` lines with the reason. */
export function layerViolations(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph.edges) {
    const fromUnit = unitOf(from);
    for (const to of targets) {
      const toUnit = unitOf(to);
      if (toUnit === fromUnit) continue;
      const [a, b] = [layerOf(fromUnit), layerOf(toUnit)];
      if (b > a) out.push(`${from} -> ${to} (${fromUnit} is below ${toUnit})`);
      else if (b === a) out.push(`${from} -> ${to} (${fromUnit} and ${toUnit} are peers)`);
    }
  }
  return out;
}
