import { databaseScenarios } from '../../../src/suite/database/index.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The database category on real Postgres clusters and etcd, judged by the same runner as `faultline run`.
defineScenarioTests(databaseScenarios);
