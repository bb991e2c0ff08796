// Child-process entry of the CLI for tests: `node --import tsx test/chaos/experiment/cli-entry.ts experiment ...`.
import { main } from '../../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
