import type { Scenario } from '../../runner/scenario.js';
import { dataConsistency } from './data-consistency.js';
import { primaryFailure } from './primary-failure.js';
import { splitBrain } from './split-brain.js';

/** The database category, in run order; each declares its negative controls (`Scenario.controls`). */
export const databaseScenarios: readonly Scenario[] = [primaryFailure, splitBrain, dataConsistency];
