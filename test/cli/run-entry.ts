// Child-process entry of the CLI for tests: `node --import tsx test/cli/run-entry.ts run ...`.
// With FAULTLINE_TEST_SCENARIOS=fixtures the `run` command gets the fixture scenarios of
// test/cli/run-fixtures.ts instead of the registry (so a test can make one fail or hang); with
// FAULTLINE_TEST_SCENARIOS=examples it gets the demo scenarios of examples/demos/ (a real service
// and a real fault, quick enough for a CLI test; they are not in the seed's registry).
import { commands } from '../../src/cli/commands/index.js';
import { createRunCommand, runCommand } from '../../src/cli/commands/run.js';
import { main } from '../../src/cli/main.js';

if (process.env.FAULTLINE_TEST_SCENARIOS === 'fixtures') {
  const { fixtureScenarios, fixtureNeeds } = await import('./run-fixtures.js');
  commands[commands.indexOf(runCommand)] = createRunCommand({
    scenarios: fixtureScenarios,
    needs: fixtureNeeds,
  });
} else if (process.env.FAULTLINE_TEST_SCENARIOS === 'examples') {
  const { demoScenarios } = await import('../../examples/demos/scenarios.js');
  commands[commands.indexOf(runCommand)] = createRunCommand({ scenarios: demoScenarios });
}
process.exitCode = await main(process.argv.slice(2));
// As bin/faultline.js: a usage error leaves at once, whatever a user's scenario module left open.
if (process.exitCode === 2) process.exit(2);
