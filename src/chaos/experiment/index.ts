export * from './experiment-file-error.js';
export * from './experiment-schema.js';
export { type FaultBuildDeps, isFault } from './fault-source.js';
export * from './journal.js';
export { journalJsonSchema } from './journal-json-schema.js';
export type { LoadFactory, LoadStartOptions } from './load-source.js';
export { defineExperiment, loadExperimentFile, parseExperimentText } from './parse-experiment.js';
export { RunClock } from './run-clock.js';
export { type RunExperimentOptions, runExperiment } from './run-experiment.js';
