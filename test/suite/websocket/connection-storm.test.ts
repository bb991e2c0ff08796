import { describe, expect, it } from 'vitest';
import { connectionStorm, maxInWindow } from '../../../src/suite/websocket/connection-storm.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

describe('maxInWindow', () => {
  it('counts the most times in any window that starts at one of them', () => {
    expect(maxInWindow([], 1000)).toBe(0);
    // Windows are [t, t + 1000): 0, 5 and 999 fit in one, 1000 starts the next.
    expect(maxInWindow([5, 0, 999, 1000, 1500, 1999], 1000)).toBe(3);
    expect(maxInWindow([1000, 0, 1, 2, 999], 1000)).toBe(4);
    expect(maxInWindow([0, 2000, 4000], 1000)).toBe(1);
  });
});

// connection_storm and each of its Scenario.controls (which must fail), judged by the same runner
// as `faultline run`: npx vitest run test/suite/websocket/connection-storm.test.ts
defineScenarioTests([connectionStorm]);
