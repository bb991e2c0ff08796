import { describe, expect, it } from 'vitest';
import { delay, raceSignal, settlesWithin } from '../../src/common/async.js';
import { FaultlineError } from '../../src/common/errors.js';
import { errorText, redactUrl } from '../../src/common/text.js';

const never = new Promise<never>(() => {});

describe('delay', () => {
  it('resolves true when the time passed, false when the signal cut it short or had aborted', async () => {
    expect(await delay(0)).toBe(true);
    expect(await delay(5)).toBe(true);
    expect(await delay(5, AbortSignal.abort())).toBe(false);
    const controller = new AbortController();
    const waiting = delay(60_000, controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
  });
});

describe('raceSignal', () => {
  it('true when the work settles first (a rejection too, never unhandled), false when the signal wins', async () => {
    const controller = new AbortController();
    expect(await raceSignal(Promise.resolve(1), controller.signal)).toBe(true);
    expect(await raceSignal(Promise.reject(new Error('x')), controller.signal)).toBe(true);
    const racing = raceSignal(never, controller.signal);
    controller.abort();
    expect(await racing).toBe(false);
    expect(await raceSignal(Promise.resolve(), AbortSignal.abort())).toBe(false);
  });
});

describe('settlesWithin', () => {
  it('true when the work settled in time, false when the limit ran out first', async () => {
    expect(await settlesWithin(Promise.resolve(), 60_000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('late')), 60_000)).toBe(true);
    expect(await settlesWithin(never, 5)).toBe(false);
  });
});

describe('errorText', () => {
  it('prefixes a code the message does not name; plain messages and non-errors as they are', () => {
    expect(errorText(new FaultlineError('FL_X', 'broke'))).toBe('FL_X: broke');
    expect(
      errorText(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
    ).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(errorText(new Error('plain'))).toBe('plain');
    expect(errorText('thrown string')).toBe('thrown string');
  });
});

describe('redactUrl', () => {
  it('hides the password, keeps only scheme://host with hostOnly, never echoes what does not parse', () => {
    expect(redactUrl('redis://user:secret@127.0.0.1:6379/15')).toBe('redis://user:***@127.0.0.1:6379/15');
    expect(redactUrl('redis://user:secret@127.0.0.1:6379/15', { hostOnly: true })).toBe(
      'redis://127.0.0.1:6379',
    );
    expect(redactUrl('postgres://127.0.0.1/db')).toBe('postgres://127.0.0.1/db');
    expect(redactUrl('not a url with secret')).toBe('(unparsable)');
  });
});
