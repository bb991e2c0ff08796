import { adaptiveLimiting } from '../../../src/suite/rate_limit/adaptive-limiting.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// adaptive_rate_limiting and each of its Scenario.controls (which must fail), judged by the same
// runner as `faultline run`: npx vitest run test/suite/rate_limit/adaptive-limiting.test.ts
defineScenarioTests([adaptiveLimiting]);
