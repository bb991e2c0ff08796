/**
 * What a parameter of a scenario is: the load it drives, how long a phase lasts, how big the
 * injected fault is, or a bound its hypothesis judges against.
 */
export type ScenarioParamKind = 'rate' | 'phase' | 'fault' | 'bound';

/**
 * One overridable number of a scenario. The default is what the scenario's description and
 * hypothesis state; `min`/`max` are the values it still makes sense with (an override outside
 * them is a usage error, exit 2).
 */
export interface ScenarioParam {
  readonly kind: ScenarioParamKind;
  /** @example 120 */
  readonly default: number;
  /** Unit, shown by --dry-run and the docs. @example 'req/s' */
  readonly unit: 'req/s' | 'connections/s' | 'ms' | 'ratio' | 'count';
  /** One line. @example 'requests per second of the load' */
  readonly description: string;
  /** Smallest accepted value (inclusive). @default 0 */
  readonly min?: number;
  /** Largest accepted value (inclusive). @default Infinity */
  readonly max?: number;
  /** Whole numbers only (counts, milliseconds). @default false */
  readonly integer?: boolean;
}

/** A scenario's parameters by name (snake_case). */
export type ScenarioParams = Readonly<Record<string, ScenarioParam>>;
