import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../src/runner/scenario.js';
import { cacheCorruption, cacheCorruptionControls } from '../../../src/suite/cache/cache-corruption.js';
import { cachePoisoning, cachePoisoningControls } from '../../../src/suite/cache/cache-poisoning.js';
import { cacheRecovery, cacheRecoveryControls } from '../../../src/suite/cache/cache-recovery.js';
import { defineScenarioTests } from '../define-scenario-tests.js';
import { runCacheScenario } from './run-cache-scenario.js';

// The cache category on real processes, judged by the same runner as `faultline run`.
defineScenarioTests([cacheCorruption, cachePoisoning, cacheRecovery]);

const seed = process.env.SEED ? Number(process.env.SEED) : 1;

describe('cache negative controls (each must fail)', () => {
  // Each control must fail, and for the reason its capability exists.
  const controls: [Scenario, RegExp][] = [
    ...cacheCorruptionControls.map((s): [Scenario, RegExp] => [s, /corrupted answers served/]),
    ...cachePoisoningControls.map((s): [Scenario, RegExp] => [s, /poisoned answers served/]),
    ...cacheRecoveryControls.map((s): [Scenario, RegExp] => [s, /errors during the outage/]),
  ];
  for (const [control, because] of controls) {
    it(control.name, { timeout: (control.timeoutMs ?? 120_000) + 20_000 }, async (t) => {
      const result = await runCacheScenario(control, seed);
      if (result.status === 'skipped') {
        t.skip(result.reason ?? 'skipped');
        return;
      }
      expect(result.status, `${control.id}: ${result.reason ?? ''}`).toBe('failed');
      expect(result.reason).toMatch(because);
    });
  }
});
