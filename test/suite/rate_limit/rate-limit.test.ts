import { distributedLimiting } from '../../../src/suite/rate_limit/distributed-limiting.js';
import { trafficFlood } from '../../../src/suite/rate_limit/traffic-flood.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The rate_limit category (and each scenario's Scenario.controls, a test each), judged by the
// same runner as `faultline run`.
defineScenarioTests([trafficFlood, distributedLimiting]);
