import { cascadingFailure } from '../../../src/suite/service/cascading-failure.js';
import { randomCrashes } from '../../../src/suite/service/random-crashes.js';
import { serviceRecovery } from '../../../src/suite/service/service-recovery.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The service category on real processes, judged by the same runner as `faultline run`.
defineScenarioTests([randomCrashes, cascadingFailure, serviceRecovery]);
