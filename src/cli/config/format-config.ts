import type { Scenario } from '../../runner/scenario.js';
import type { RunConfig } from '../commands/run-config.js';

/**
 * `--dry-run`'s "Configuration" section: every effective setting under its config-file key, its
 * value and where it came from (`flag --timeout`, `env CHAOS_MAX_DURATION`, `file`, `default`).
 */
export function formatEffectiveConfig(config: RunConfig): string[] {
  const keyWidth = Math.max(...config.provenance.map((e) => e.key.length));
  const valueWidth = Math.max(...config.provenance.map((e) => e.value.length));
  return [
    `Configuration (flag > environment > file > default; file: ${config.configFile ?? 'none'}):`,
    ...config.provenance.map(
      (e) =>
        `  ${e.key.padEnd(keyWidth)}  ${e.value.padEnd(valueWidth)}  ${e.source}${e.via ? ` ${e.via}` : ''}`,
    ),
  ];
}

/**
 * `--dry-run`'s "Parameters" section: each selected scenario's overridable parameters, the value
 * it will run with, and whether the config file's `overrides` set it.
 */
export function formatParams(
  selected: readonly Scenario[],
  params: ReadonlyMap<string, Readonly<Record<string, number>>>,
  config: Pick<RunConfig, 'overrides'>,
): string[] {
  const withParams = selected.filter((s) => s.params && Object.keys(s.params).length > 0);
  if (withParams.length === 0) return [];
  const out = ['', 'Parameters (override in the config file: overrides.<scenario id>.<name>):'];
  for (const s of withParams) {
    out.push(`  ${s.id}`);
    const declared = s.params ?? {};
    const width = Math.max(...Object.keys(declared).map((n) => n.length));
    for (const [name, p] of Object.entries(declared)) {
      const value = params.get(s.id)?.[name] ?? p.default;
      const source = config.overrides[s.id]?.[name] === undefined ? 'default' : `file (default ${p.default})`;
      out.push(
        `    ${name.padEnd(width)}  ${`${value} ${p.unit}`.padEnd(14)}  ${source.padEnd(20)}  ${p.description}`,
      );
    }
  }
  return out;
}
