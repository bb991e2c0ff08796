// Child-process entry of the CLI for the gateway tests: `node --import tsx test/stack/gateway/cli-entry.ts gateway …`.
import { main } from '../../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
