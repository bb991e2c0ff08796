import diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseExperimentText, runExperiment } from '../../../src/chaos/experiment/index.js';
import { SafetyController } from '../../../src/chaos/safety/index.js';

const DOC = fileURLToPath(new URL('../../../docs/experiments.md', import.meta.url));

describe('docs/experiments.md', () => {
  it('its example experiment file is valid', () => {
    const doc = readFileSync(DOC, 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(yaml).toBeDefined();
    const e = parseExperimentText(yaml as string, 'docs/experiments.md');
    expect(e.title).toBe('the API survives 500 ms of upstream latency');
    expect(e.method).toHaveLength(2);
    expect(e.stop_conditions.probes[0]?.consecutive).toBe(3);
  });
});

describe('diagnostics channels', () => {
  it('trace experiment start/end and safety register/revert', async () => {
    const seen: string[] = [];
    const names = [
      'faultline:experiment:start',
      'faultline:experiment:end',
      'faultline:safety:register',
      'faultline:safety:revert',
    ];
    const subs = names.map((n) => {
      const fn = () => seen.push(n);
      diagnostics.subscribe(n, fn);
      return () => diagnostics.unsubscribe(n, fn);
    });
    try {
      const fault = {
        kind: 'test.noop',
        name: 'noop',
        params: {},
        inject: async () => {},
        revert: async () => {},
      };
      await runExperiment(
        { title: 'traced', method: [{ type: 'action', name: 'noop', fault, duration_ms: 1 }] },
        { safety: new SafetyController({ env: { ENVIRONMENT: 'test' } }) },
      );
    } finally {
      for (const u of subs) u();
    }
    expect(seen).toEqual([
      'faultline:experiment:start',
      'faultline:safety:register',
      'faultline:safety:revert',
      'faultline:experiment:end',
    ]);
  });
});
