import { expect, it } from 'vitest';
import { cascadingFailure } from '../../../src/suite/service/cascading-failure.js';
import { runScenarioForTest } from '../harness/run-scenario.js';

it('service.cascading-failure passes: breaker opens, callers fail fast, other routes unaffected', async () => {
  const result = await runScenarioForTest(cascadingFailure);
  expect(result.status, result.reason).toBe('passed');
  const custom = result.journal?.metrics.custom ?? {};
  expect(custom.errors_fault_other).toBe(0);
  expect(custom.breaker_open_ms).toBeLessThanOrEqual(2000);
}, 90_000);
