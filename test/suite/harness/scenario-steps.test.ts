import { describe, expect, it } from 'vitest';
import type { Fault } from '../../../src/chaos/faults/fault.js';
import { SeededRandom } from '../../../src/common/rng.js';
import type { Phase, ScenarioContext } from '../../../src/runner/scenario.js';
import { HypothesisMissError } from '../../../src/suite/harness/hypothesis-miss.js';
import { expectErrorRate, faultWindow, recordMetrics, roundRate } from '../../../src/suite/harness/judge.js';
import { RequestMixLoad } from '../../../src/suite/harness/request-mix-load.js';
import { waitForRevertAction } from '../../../src/suite/harness/scenario-steps.js';
import { TimedFault } from '../../../src/suite/harness/timed-fault.js';

/** A fault that does nothing: what is under test is the timing and phases around it. */
const noop = (): Fault => ({
  kind: 'noop',
  name: 'noop',
  target: undefined,
  params: {},
  inject: async () => {},
  revert: async () => {},
});

function recordingContext(phases: Phase[]): ScenarioContext {
  return { setPhase: (p: Phase) => phases.push(p) } as unknown as ScenarioContext;
}

const actionContext = (signal: AbortSignal) => ({
  signal,
  rng: new SeededRandom(1),
  setMetric: () => {},
});

describe('waitForRevertAction', () => {
  it('enters inject, waits for the revert, then recover (after-revert)', async () => {
    const phases: Phase[] = [];
    const fault = new TimedFault(noop());
    const action = waitForRevertAction(fault, recordingContext(phases), {
      name: 'wait',
      timeoutMs: 2000,
      intervalMs: 5,
      fromInjection: true,
      recoverPhase: 'after-revert',
    });
    const done = (action.run as (c: unknown) => Promise<void>)(actionContext(new AbortController().signal));
    await fault.inject({ rng: new SeededRandom(1), signal: new AbortController().signal });
    expect(phases).toEqual(['inject']);
    await fault.revert();
    await done;
    expect(phases).toEqual(['inject', 'recover']);
  });

  it('enters recover at once (at-start) and misses the hypothesis when the fault stays', async () => {
    const phases: Phase[] = [];
    const fault = new TimedFault(noop());
    const action = waitForRevertAction(fault, recordingContext(phases), {
      name: 'wait',
      timeoutMs: 50,
      intervalMs: 5,
      recoverPhase: 'at-start',
    });
    await expect(
      (action.run as (c: unknown) => Promise<void>)(actionContext(new AbortController().signal)),
    ).rejects.toBeInstanceOf(HypothesisMissError);
    expect(phases).toEqual(['recover']);
  });
});

describe('judge helpers', () => {
  it('takes the fault window from the start of injection to the revert', async () => {
    const load = new RequestMixLoad({ baseUrl: 'http://127.0.0.1:1', rate: 1, durationMs: 1, requests: [] });
    const at = (sentAt: number, ok: boolean) =>
      ({ route: 'r', sentAt, doneAt: sentAt + 1, ok, status: ok ? 200 : 503, headers: {} }) as never;
    load.log.push(at(1, true), at(10, false), at(20, true), at(40, true));
    const fault = new TimedFault(noop());
    fault.injectStartedAt = 5;
    fault.revertedAt = 30;
    const w = faultWindow(load, fault);
    expect(w.during.map((e) => e.sentAt)).toEqual([10, 20]);
    expect(w.summary.errorRate).toBe(0.5);
    expect(() => expectErrorRate('error rate', w.during, w.summary, 0.01)).toThrow(/error rate was 0.5/);
    expect(expectErrorRate('error rate', w.during, w.summary, 0.5)).toBe(0.5);
    const seen: [string, number][] = [];
    const m = recordMetrics((k, v) => seen.push([k, v]), { a: 1, b: roundRate(1 / 3) });
    expect(seen).toEqual([
      ['a', 1],
      ['b', 0.3333],
    ]);
    expect(m.b).toBe(0.3333);
  });
});
