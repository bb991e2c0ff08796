// Child-process entry of the CLI for tests: `node --import tsx test/cli/run-entry.ts run ...`.
// With FAULTLINE_TEST_SCENARIOS=fixtures the `run` command gets the fixture scenarios of
// test/cli/run-fixtures.ts instead of the registry (so a test can make one fail or hang).
import { commands } from '../../src/cli/commands/index.js';
import { createRunCommand, runCommand } from '../../src/cli/commands/run.js';
import { main } from '../../src/cli/main.js';

if (process.env.FAULTLINE_TEST_SCENARIOS === 'fixtures') {
  const { fixtureScenarios, fixtureNeeds } = await import('./run-fixtures.js');
  commands[commands.indexOf(runCommand)] = createRunCommand({
    scenarios: fixtureScenarios,
    needs: fixtureNeeds,
  });
}
process.exitCode = await main(process.argv.slice(2));
