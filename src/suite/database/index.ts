import type { Scenario } from '../../runner/scenario.js';
import { dataConsistency, dataConsistencyControls } from './data-consistency.js';
import { primaryFailure, primaryFailureControls } from './primary-failure.js';
import { splitBrain, splitBrainControls } from './split-brain.js';

/** The database category, in run order. */
export const databaseScenarios: readonly Scenario[] = [primaryFailure, splitBrain, dataConsistency];

/** Every negative control of the database scenarios: each must make its scenario fail. */
export const databaseControls: readonly {
  scenarioId: string;
  control: string;
  claim: string;
  scenario: Scenario;
}[] = [
  ...primaryFailureControls.map((c) => ({ scenarioId: primaryFailure.id, ...c })),
  ...splitBrainControls.map((c) => ({ scenarioId: splitBrain.id, ...c })),
  ...dataConsistencyControls.map((c) => ({ scenarioId: dataConsistency.id, ...c })),
];
