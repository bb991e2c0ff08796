import fc from 'fast-check';

/**
 * Shared fuzzing pieces: one seed for every property (runs replay exactly; a failure prints the
 * path to shrink from), bounded run counts, and mutations of a valid document.
 */
export const FUZZ_SEED = 14;

/** fast-check parameters of every fuzz property: seeded, bounded, and cut if a run hangs. */
export function fuzzParams(numRuns: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns, endOnFailure: true };
}

/** Values that break careless validation: wrong types, bounds, huge and odd strings, prototype keys. */
export const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    -0.5,
    2 ** 31,
    2 ** 53 + 1,
    1e308,
    -1e308,
    '',
    ' ',
    '0',
    '-1',
    'true',
    'null',
    '__proto__',
    'constructor',
    'x'.repeat(10_000),
    '\u0000',
    '\ud800',
    '../../etc/passwd',
    [],
    {},
    [null],
    { __proto__: null },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

type Path = (string | number)[];

/** Every path into a JSON value, the root (`[]`) included. */
function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) pathsOf(value[i], [...at, i], out);
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...at, k], out);
  return out;
}

export interface Mutation {
  /** Picks the path: index modulo the number of paths. */
  readonly pick: number;
  readonly op: 'set' | 'delete' | 'add';
  readonly key: string;
  readonly value: unknown;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom('set', 'delete', 'add'),
  key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'type', 'name')),
  value: edgeValue,
});

/**
 * `base` (JSON) with each mutation applied in turn: replace the value at a path, delete it, or
 * add a key (or element) under it. Returns a fresh value; `base` is untouched.
 */
export function mutate(base: unknown, mutations: readonly Mutation[]): unknown {
  let doc: unknown = structuredClone(base);
  for (const m of mutations) {
    const paths = pathsOf(doc);
    const path = paths[m.pick % paths.length] as Path;
    if (path.length === 0) {
      if (m.op === 'set') doc = structuredClone(m.value);
      else if (m.op === 'add' && doc !== null && typeof doc === 'object' && !Array.isArray(doc))
        Object.defineProperty(doc, m.key, {
          value: structuredClone(m.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      continue;
    }
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], doc) as
      | Record<string | number, unknown>
      | unknown[];
    const last = path[path.length - 1] as string | number;
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else if (m.op === 'set') {
      Object.defineProperty(parent, last, {
        value: structuredClone(m.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      const target = (parent as Record<string | number, unknown>)[last];
      if (Array.isArray(target)) target.push(structuredClone(m.value));
      else if (target !== null && typeof target === 'object')
        Object.defineProperty(target, m.key, {
          value: structuredClone(m.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
  }
  return doc;
}

/** Character-level damage to a text: cut, duplicate or replace a span. */
export const textDamage: fc.Arbitrary<
  { at: number; length: number; op: 'cut' | 'dup' | 'put'; put: string }[]
> = fc.array(
  fc.record({
    at: fc.nat(),
    length: fc.nat({ max: 40 }),
    op: fc.constantFrom('cut', 'dup', 'put'),
    put: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        '&a',
        '*a',
        ':',
        '- ',
        '\n  ',
        '{',
        ']',
        '"',
        "'",
        '\t',
        '#',
        '!!js/function',
        '<<: *a',
      ),
    ),
  }),
  { minLength: 1, maxLength: 5 },
);

export function damage(
  text: string,
  edits: { at: number; length: number; op: 'cut' | 'dup' | 'put'; put: string }[],
): string {
  let out = text;
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % out.length;
    const span = out.slice(at, at + e.length);
    if (e.op === 'cut') out = out.slice(0, at) + out.slice(at + e.length);
    else if (e.op === 'dup') out = out.slice(0, at) + span + span + out.slice(at + e.length);
    else out = out.slice(0, at) + e.put + out.slice(at + e.length);
  }
  return out;
}
