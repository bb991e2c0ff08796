import { splitBrain } from '../../../src/suite/database/split-brain.js';
import { runScenarioForTest } from './run-scenario.js';

const c = splitBrain.controls?.find((x) => x.name === 'no_fencing');
const r = await runScenarioForTest(splitBrain, c);
console.log(r.status, r.reason);
console.log(JSON.stringify(r.journal?.error ?? r, null, 1).slice(0, 3000));
process.exit(0);
