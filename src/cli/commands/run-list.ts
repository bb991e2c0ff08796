import type { Scenario } from '../../runner/scenario.js';

/** `faultline run --list`: one line per scenario (id, category, title, needs) and a count. */
export function formatScenarioList(scenarios: readonly Scenario[]): string {
  if (scenarios.length === 0) return 'no scenario matches\n';
  const idWidth = Math.max(...scenarios.map((s) => s.id.length));
  const lines = scenarios.map(
    (s) =>
      `${s.id.padEnd(idWidth)}  ${s.category.padEnd(13)}  ${s.title}${s.needs.length > 0 ? `  [needs: ${s.needs.join(', ')}]` : ''}`,
  );
  return `${lines.join('\n')}\n${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}\n`;
}
