import { describe, expect, it } from 'vitest';
import { massDisconnectionControls } from '../../../src/suite/websocket/mass-disconnection.js';
import { runScenarioForTest } from '../harness/run-scenario.js';

// Negative controls: the same experiment with one defence off must FAIL. Slow (a full scenario
// each), so they run on demand: FAULTLINE_CONTROLS=1 npx vitest run test/suite/websocket/controls.test.ts
describe.skipIf(!process.env.FAULTLINE_CONTROLS)('websocket negative controls', () => {
  for (const control of massDisconnectionControls) {
    it(`${control.id} fails`, { timeout: 150_000 }, async () => {
      const result = await runScenarioForTest(control);
      process.stdout.write(`${control.id}: ${result.status}: ${result.reason ?? ''}\n`);
      expect(result.status).toBe('failed');
    });
  }
});
