import { describe, expect, it } from 'vitest';
import type { ActivityRecord, HypothesisCheck } from '../../../src/chaos/experiment/journal.js';
import { RunInterruption } from '../../../src/chaos/experiment/run-interruption.js';
import { type VerdictInput, verdict } from '../../../src/chaos/experiment/verdict.js';

const check = (phase: HypothesisCheck['phase'], met: boolean): HypothesisCheck => ({
  phase,
  at_ms: 0,
  met,
  probes: [],
});

const activity = (name: string, status: ActivityRecord['status'], error?: string): ActivityRecord => ({
  name,
  type: 'action',
  status,
  background: false,
  start_ms: 0,
  end_ms: 1,
  duration_ms: 1,
  ...(error === undefined ? {} : { error }),
});

/** A run where everything held: the baseline each case changes one thing of. */
const held = (over: Partial<VerdictInput> = {}): VerdictInput => ({
  before: check('before', true),
  during: [check('during', true), check('during', true)],
  after: check('after', true),
  records: [activity('a', 'succeeded')],
  interruption: undefined,
  unexpected: undefined,
  ...over,
});

describe('verdict', () => {
  it('completes, without error, when everything held', () => {
    expect(verdict(held())).toEqual({ status: 'completed', deviated: false });
  });

  it('completes with no hypothesis at all (no checks, no records)', () => {
    expect(verdict(held({ before: null, during: [], after: null, records: [] }))).toEqual({
      status: 'completed',
      deviated: false,
    });
  });

  it('deviates when one check during the method is not met', () => {
    const v = verdict(held({ during: [check('during', true), check('during', false)] }));
    expect(v).toEqual({
      status: 'failed',
      deviated: true,
      error: { code: 'FL_DEVIATED', message: 'the steady state deviated during or after the method' },
    });
  });

  it('deviates when the check after the method is not met', () => {
    const v = verdict(held({ after: check('after', false) }));
    expect(v.status).toBe('failed');
    expect(v.deviated).toBe(true);
    expect(v.error?.code).toBe('FL_DEVIATED');
  });

  it('does not deviate when the after check was skipped (null)', () => {
    expect(verdict(held({ after: null })).deviated).toBe(false);
  });

  it('fails with FL_ACTIVITY_FAILED naming the first failed activity', () => {
    const v = verdict(
      held({
        records: [
          activity('ok', 'succeeded'),
          activity('first', 'failed', 'boom'),
          activity('second', 'failed', 'bang'),
          activity('later', 'skipped'),
        ],
      }),
    );
    expect(v).toEqual({
      status: 'failed',
      deviated: false,
      error: { code: 'FL_ACTIVITY_FAILED', message: "activity 'first' failed: boom" },
    });
  });

  it('does not count a skipped activity as failed', () => {
    expect(verdict(held({ records: [activity('s', 'skipped')] })).status).toBe('completed');
  });

  it('fails with FL_STEADY_STATE_NOT_MET when the check before is not met', () => {
    const v = verdict(held({ before: check('before', false), during: [], after: null, records: [] }));
    expect(v).toEqual({
      status: 'failed',
      deviated: false,
      error: {
        code: 'FL_STEADY_STATE_NOT_MET',
        message: 'the steady state was not met before the method',
      },
    });
  });

  it('fails with FL_EXPERIMENT_ERROR on an unexpected error, even when everything else held', () => {
    const v = verdict(held({ unexpected: 'load metrics: no' }));
    expect(v).toEqual({
      status: 'failed',
      deviated: false,
      error: { code: 'FL_EXPERIMENT_ERROR', message: 'load metrics: no' },
    });
  });

  it('fails on an unexpected error whose text is empty', () => {
    const v = verdict(held({ unexpected: '' }));
    expect(v.status).toBe('failed');
    expect(v.error).toEqual({ code: 'FL_EXPERIMENT_ERROR', message: '' });
  });

  it.each([
    ['interrupted', 'FL_INTERRUPTED'],
    ['aborted', 'FL_STOP_CONDITION'],
  ] as const)('reports an %s interruption as its status, with its code and reason', (status, code) => {
    const v = verdict(held({ interruption: new RunInterruption(status, 'why', code) }));
    expect(v).toEqual({ status, deviated: false, error: { code, message: 'why' } });
  });

  it('reports a fail-fast interruption as failed, with its code', () => {
    const v = verdict(
      held({
        during: [check('during', false)],
        after: null,
        interruption: new RunInterruption('failed', 'fail fast', 'FL_DEVIATED'),
      }),
    );
    expect(v).toEqual({
      status: 'failed',
      deviated: true,
      error: { code: 'FL_DEVIATED', message: 'fail fast' },
    });
  });

  describe('the first error that applies wins', () => {
    const everything = (): VerdictInput => ({
      before: check('before', false),
      during: [check('during', false)],
      after: check('after', false),
      records: [activity('x', 'failed', 'e')],
      interruption: new RunInterruption('aborted', 'time limit', 'FL_SAFETY_TIMEOUT'),
      unexpected: 'oops',
    });

    it('interruption over all the others, and its status over failed', () => {
      expect(verdict(everything())).toEqual({
        status: 'aborted',
        deviated: true,
        error: { code: 'FL_SAFETY_TIMEOUT', message: 'time limit' },
      });
    });

    it('then the unexpected error', () => {
      expect(verdict({ ...everything(), interruption: undefined }).error?.code).toBe('FL_EXPERIMENT_ERROR');
    });

    it('then the steady state before', () => {
      const v = verdict({ ...everything(), interruption: undefined, unexpected: undefined });
      expect(v.error?.code).toBe('FL_STEADY_STATE_NOT_MET');
    });

    it('then the failed activity', () => {
      const v = verdict({
        ...everything(),
        interruption: undefined,
        unexpected: undefined,
        before: check('before', true),
      });
      expect(v.error?.code).toBe('FL_ACTIVITY_FAILED');
      expect(v.deviated).toBe(true);
    });
  });
});
