import { gradualLatency } from '../../../src/suite/latency/gradual-latency.js';
import { highLatency } from '../../../src/suite/latency/high-latency.js';
import { networkDegradation } from '../../../src/suite/latency/network-degradation.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The latency category on real processes, judged by the same runner as `faultline run`.
defineScenarioTests([highLatency, gradualLatency, networkDegradation]);
