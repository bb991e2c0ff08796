import { describe, expect, it } from 'vitest';
import { meetsTolerance, toleranceSchema } from '../../../src/chaos/probes/index.js';

const t = (tolerance: unknown, value: unknown) => meetsTolerance(toleranceSchema.parse(tolerance), value);

describe('tolerances', () => {
  it('a bare scalar is an exact value', async () => {
    expect(await t(200, 200)).toBe(true);
    expect(await t(200, 500)).toBe(false);
    expect(await t(200, '200')).toBe(false);
    expect(await t(true, true)).toBe(true);
    expect(await t(null, null)).toBe(true);
  });

  it('a bare list means one of', async () => {
    expect(await t([200, 204], 204)).toBe(true);
    expect(await t([200, 204], 500)).toBe(false);
  });

  it('exact compares deeply', async () => {
    expect(await t({ type: 'exact', value: { a: [1, 2] } }, { a: [1, 2] })).toBe(true);
    expect(await t({ type: 'exact', value: { a: [1, 2] } }, { a: [2, 1] })).toBe(false);
  });

  it('range is inclusive at both ends and accepts numeric strings', async () => {
    const range = { type: 'range', range: [0, 250] };
    expect(await t(range, 0)).toBe(true);
    expect(await t(range, 250)).toBe(true);
    expect(await t(range, 250.01)).toBe(false);
    expect(await t(range, '12')).toBe(true);
    expect(await t(range, 'fast')).toBe(false);
    expect(await t(range, undefined)).toBe(false);
    expect(() => toleranceSchema.parse({ type: 'range', range: [5, 1] })).toThrow(/min <= max/);
  });

  it('list, regex', async () => {
    expect(await t({ type: 'list', values: ['up', 'degraded'] }, 'degraded')).toBe(true);
    expect(await t({ type: 'regex', pattern: '^ok' }, 'ok: fine')).toBe(true);
    expect(await t({ type: 'regex', pattern: 'OK', flags: 'i' }, 'all ok')).toBe(true);
    expect(await t({ type: 'regex', pattern: '"ok":true' }, { ok: true })).toBe(true);
    expect(() => toleranceSchema.parse({ type: 'regex', pattern: '(' })).toThrow(/valid regular expression/);
  });

  it('jsonpath: a match, expect, range, count; JSON strings are parsed', async () => {
    const doc = {
      status: 'ok',
      checks: [
        { name: 'db', up: true, ms: 3 },
        { name: 'cache', up: true, ms: 9 },
      ],
    };
    expect(await t({ type: 'jsonpath', path: '$.status' }, doc)).toBe(true);
    expect(await t({ type: 'jsonpath', path: '$.missing' }, doc)).toBe(false);
    expect(await t({ type: 'jsonpath', path: '$.checks[*].up', expect: true }, doc)).toBe(true);
    expect(await t({ type: 'jsonpath', path: '$.checks[*].ms', range: [0, 5] }, doc)).toBe(false);
    expect(await t({ type: 'jsonpath', path: '$.checks[*].ms', range: [0, 10] }, doc)).toBe(true);
    expect(await t({ type: 'jsonpath', path: '$.checks[?(@.up)]', count: 2 }, doc)).toBe(true);
    expect(await t({ type: 'jsonpath', path: '$.status', expect: 'ok' }, JSON.stringify(doc))).toBe(true);
    expect(await t({ type: 'jsonpath', path: '$.status' }, 'not json')).toBe(false);
  });

  it('a function (TypeScript), sync or async', async () => {
    expect(await meetsTolerance((v) => (v as number) > 3, 4)).toBe(true);
    expect(await meetsTolerance(async (v) => v === 'x', 'y')).toBe(false);
  });

  it('rejects an unknown tolerance type', () => {
    expect(toleranceSchema.safeParse({ type: 'approx', value: 1 }).success).toBe(false);
  });
});
