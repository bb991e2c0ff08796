import { expect, it } from 'vitest';
import { randomCrashes } from '../../../src/suite/service/random-crashes.js';
import { runScenarioForTest } from '../harness/run-scenario.js';

it('service.random-crashes passes: no idempotent request fails, the dead host is ejected within 1 s', async () => {
  const result = await runScenarioForTest(randomCrashes);
  expect(result.status, result.reason).toBe('passed');
  const custom = result.journal?.metrics.custom ?? {};
  expect(custom.failed_requests).toBe(0);
  expect(custom.ejection_ms).toBeLessThanOrEqual(1000);
  expect(custom.requests).toBeGreaterThan(1000);
}, 90_000);
