import { trafficFlood } from '../../../src/suite/rate_limit/traffic-flood.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The rate_limit category on real processes, judged by the same runner as `faultline run`.
defineScenarioTests([trafficFlood]);
