import { describe, expect, it } from 'vitest';
import { isFaultlineError } from '../../src/common/errors.js';
import type { Scenario } from '../../src/runner/scenario.js';
import { defineParams, paramProblem, paramValues, resolveParams } from '../../src/runner/scenario-params.js';
import { sampleJournal } from '../report/fixtures.js';

const params = defineParams({
  rate: { kind: 'rate', default: 100, unit: 'req/s', description: 'load', min: 1, max: 1000 },
  fault_ms: { kind: 'phase', default: 2000, unit: 'ms', description: 'fault', min: 100, integer: true },
  max_error_rate: { kind: 'bound', default: 0.01, unit: 'ratio', description: 'bound', max: 1 },
});

const scenario = (id: string, withParams = true): Scenario => ({
  id,
  category: 'network',
  name: id.split('.')[1] as string,
  title: id,
  description: id,
  needs: [],
  ...(withParams ? { params } : {}),
  run: async () => sampleJournal(),
});

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isFaultlineError(err) && err.exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('scenario params', () => {
  it('paramValues: the context wins, the defaults fill the rest', () => {
    expect(paramValues(params, {})).toEqual({ rate: 100, fault_ms: 2000, max_error_rate: 0.01 });
    expect(paramValues(params, { params: { rate: 7 } })).toEqual({
      rate: 7,
      fault_ms: 2000,
      max_error_rate: 0.01,
    });
  });

  it('resolveParams: defaults with the overrides applied, by scenario id', () => {
    const resolved = resolveParams(
      [scenario('network.a'), scenario('network.b'), scenario('network.c', false)],
      {
        'network.a': { rate: 50, fault_ms: 300 },
      },
    );
    expect(resolved.get('network.a')).toEqual({ rate: 50, fault_ms: 300, max_error_rate: 0.01 });
    expect(resolved.get('network.b')).toEqual({ rate: 100, fault_ms: 2000, max_error_rate: 0.01 });
    expect(resolved.has('network.c')).toBe(false);
  });

  it('names the key of an unknown scenario, an unknown parameter and a value out of range', () => {
    const all = [scenario('network.a'), scenario('network.c', false)];
    expect(usageMessage(() => resolveParams(all, { 'network.zzz': { rate: 1 } }))).toBe(
      'config: overrides."network.zzz": no scenario has this id (see `faultline run --list`)',
    );
    expect(usageMessage(() => resolveParams(all, { 'network.a': { rte: 1 } }))).toBe(
      'config: overrides."network.a".rte: unknown parameter; known: rate, fault_ms, max_error_rate',
    );
    expect(usageMessage(() => resolveParams(all, { 'network.c': { rate: 1 } }))).toContain(
      'network.c declares none',
    );
    expect(usageMessage(() => resolveParams(all, { 'network.a': { rate: 5000 } }))).toBe(
      'config: overrides."network.a".rate: 5000 is out of range [1, 1000] req/s',
    );
    expect(usageMessage(() => resolveParams(all, { 'network.a': { fault_ms: 150.5 } }))).toContain(
      'expected a whole number of ms',
    );
  });

  it('paramProblem: min defaults to 0, max to infinity', () => {
    expect(paramProblem({ kind: 'bound', default: 1, unit: 'ms', description: '' }, -1)).toContain('[0, ∞]');
    expect(paramProblem({ kind: 'bound', default: 1, unit: 'ms', description: '' }, 1e9)).toBeUndefined();
  });
});
