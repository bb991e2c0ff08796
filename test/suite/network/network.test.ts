import { serviceIsolation } from '../../../src/suite/network/service-isolation.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The network category's service-isolation scenario, judged by the same runner as `faultline run`.
defineScenarioTests([serviceIsolation]);
