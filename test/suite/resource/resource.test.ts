import { connectionPoolExhaustion } from '../../../src/suite/resource/connection-pool-exhaustion.js';
import { cpuExhaustion } from '../../../src/suite/resource/cpu-exhaustion.js';
import { memoryPressure } from '../../../src/suite/resource/memory-pressure.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The resource category on real processes, judged by the same runner as `faultline run`.
defineScenarioTests([cpuExhaustion, memoryPressure, connectionPoolExhaustion]);
