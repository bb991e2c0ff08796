import { expect, it } from 'vitest';
import { serviceRecovery } from '../../../src/suite/service/service-recovery.js';
import { runScenarioForTest } from '../harness/run-scenario.js';

it('service.service-recovery passes: re-admitted by checks, ramped by slow start, no errors after', async () => {
  const result = await runScenarioForTest(serviceRecovery);
  expect(result.status, result.reason).toBe('passed');
  const custom = result.journal?.metrics.custom ?? {};
  expect(custom.readmission_ms).toBeLessThanOrEqual(1500);
  expect(custom.errors_after_readmission).toBe(0);
}, 90_000);
