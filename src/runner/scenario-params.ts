import { UsageError } from '../common/errors.js';
import type { Scenario, ScenarioContext } from './scenario.js';
import type { ScenarioParam, ScenarioParams } from './scenario-param.js';

export type { ScenarioParam, ScenarioParamKind, ScenarioParams } from './scenario-param.js';

/** Per-scenario overrides: scenario id → parameter name → value. */
export type ParamOverrides = Readonly<Record<string, Readonly<Record<string, number>>>>;

/**
 * Declares a scenario's parameters, keeping their names in the type, so
 * `paramValues(params, ctx).rate` type-checks and `.rte` does not.
 */
export function defineParams<const P extends ScenarioParams>(params: P): P {
  return params;
}

/** The defaults of a declaration, by name. */
export function paramDefaults(params: ScenarioParams | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(params ?? {}).map(([name, p]) => [name, p.default]));
}

/**
 * The effective values a scenario runs with: the context's `params` (defaults with overrides
 * applied, set by the runner), each falling back to its default.
 */
export function paramValues<P extends ScenarioParams>(
  params: P,
  ctx: Pick<ScenarioContext, 'params'>,
): { readonly [K in keyof P]: number } {
  const out: Record<string, number> = {};
  for (const [name, p] of Object.entries(params)) out[name] = ctx.params?.[name] ?? p.default;
  return out as { readonly [K in keyof P]: number };
}

/**
 * Checks the config file's `overrides` against the scenarios that exist and the parameters each
 * declares, and returns each scenario's effective values (defaults + overrides) by id.
 *
 * @throws UsageError FL_CONFIG_OVERRIDE naming the key (`overrides."<id>".<param>`): an unknown
 *   scenario, an unknown parameter (listing the known ones), or a value out of its limits.
 */
export function resolveParams(
  scenarios: readonly Scenario[],
  overrides: ParamOverrides,
): Map<string, Record<string, number>> {
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  for (const [id, values] of Object.entries(overrides)) {
    const scenario = byId.get(id);
    if (!scenario) {
      throw new UsageError(
        `config: overrides."${id}": no scenario has this id (see \`faultline run --list\`)`,
        {
          code: 'FL_CONFIG_OVERRIDE',
        },
      );
    }
    const declared = scenario.params ?? {};
    for (const [name, value] of Object.entries(values)) {
      const key = `overrides."${id}".${name}`;
      const param = declared[name];
      if (!param) {
        const known = Object.keys(declared);
        throw new UsageError(
          `config: ${key}: unknown parameter; ${known.length === 0 ? `${id} declares none` : `known: ${known.join(', ')}`}`,
          { code: 'FL_CONFIG_OVERRIDE' },
        );
      }
      const problem = paramProblem(param, value);
      if (problem) throw new UsageError(`config: ${key}: ${problem}`, { code: 'FL_CONFIG_OVERRIDE' });
    }
  }
  const out = new Map<string, Record<string, number>>();
  for (const s of scenarios) {
    if (!s.params) continue;
    out.set(s.id, { ...paramDefaults(s.params), ...(overrides[s.id] ?? {}) });
  }
  return out;
}

/** Why `value` is not acceptable for `param`, or undefined. */
export function paramProblem(param: ScenarioParam, value: number): string | undefined {
  const min = param.min ?? 0;
  const max = param.max ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(value)) return `expected a number (${param.unit}), got ${value}`;
  if (param.integer && !Number.isInteger(value))
    return `expected a whole number of ${param.unit}, got ${value}`;
  if (value < min || value > max) {
    return `${value} is out of range [${min}, ${max === Number.POSITIVE_INFINITY ? '∞' : max}] ${param.unit}`;
  }
  return undefined;
}
