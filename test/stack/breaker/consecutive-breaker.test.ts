import { describe, expect, it } from 'vitest';
import { ConsecutiveBreaker } from '../../../src/stack/breaker/consecutive-breaker.js';

describe('ConsecutiveBreaker', () => {
  it('defaults to 5 failures in a row', () => {
    const b = new ConsecutiveBreaker();
    for (let i = 0; i < 4; i++) expect(b.failure()).toBe(false);
    expect(b.failure()).toBe(true);
  });

  it('starts counting again after a success', () => {
    const b = new ConsecutiveBreaker({ threshold: 3 });
    b.failure();
    b.failure();
    b.success();
    expect(b.snapshot()).toEqual({ type: 'consecutive', consecutiveFailures: 0, threshold: 3 });
    expect(b.failure()).toBe(false);
    expect(b.failure()).toBe(false);
    expect(b.failure()).toBe(true);
  });

  it('rejects a threshold below 1', () => {
    expect(() => new ConsecutiveBreaker({ threshold: 0 })).toThrow(/threshold/);
  });
});
