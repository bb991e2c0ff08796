export { type FaultDeps, isFault } from '../faults/index.js';
export type { LoadFactory, StartLoadOptions } from '../load/start-load.js';
export * from './experiment-file-error.js';
export * from './experiment-schema.js';
export * from './journal.js';
export { journalJsonSchema } from './journal-json-schema.js';
export { defineExperiment, loadExperimentFile, parseExperimentText } from './parse-experiment.js';
export { RunClock } from './run-clock.js';
export { type RunExperimentOptions, runExperiment } from './run-experiment.js';
