import { describe, expect, it } from 'vitest';
import type { Policy, PolicyContext } from '../../../src/stack/policy/policy.js';
import { wrap } from '../../../src/stack/policy/policy.js';

/** A policy that calls fn `tries` times with attempts 0..tries-1 and returns the last result. */
const repeat = (tries: number): Policy => ({
  async execute(fn, signal = new AbortController().signal) {
    let last: unknown;
    for (let attempt = 0; attempt < tries; attempt++) last = await fn({ signal, attempt });
    return last as never;
  },
});
const passThrough: Policy = { execute: (fn, signal) => fn({ signal: signal!, attempt: 0 }) };

describe('wrap', () => {
  it('adds attempts up, so an inner policy cannot reset the retry count', async () => {
    const seen: number[] = [];
    const policy = wrap(repeat(2), passThrough, repeat(2));
    await policy.execute(async (ctx: PolicyContext) => seen.push(ctx.attempt));
    expect(seen).toEqual([0, 1, 1, 2]);
  });

  it('hands the innermost signal to fn', async () => {
    const inner = new AbortController();
    const swap: Policy = { execute: (fn) => fn({ signal: inner.signal, attempt: 0 }) };
    const got = await wrap(passThrough, swap).execute(async (ctx) => ctx.signal);
    expect(got).toBe(inner.signal);
  });
});
