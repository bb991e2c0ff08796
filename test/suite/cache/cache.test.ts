import { cacheCorruption } from '../../../src/suite/cache/cache-corruption.js';
import { cachePoisoning } from '../../../src/suite/cache/cache-poisoning.js';
import { cacheRecovery } from '../../../src/suite/cache/cache-recovery.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The cache category on real processes, judged by the same runner as `faultline run`; each
// scenario's negative controls are tests too, and must fail on the check they name (`misses`).
defineScenarioTests([cacheCorruption, cachePoisoning, cacheRecovery]);
