/**
 * Where an effective setting of `faultline run` came from. Precedence, highest first: a flag,
 * its environment variable, the config file, the default.
 */
export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

/** One effective setting and its origin, as `faultline run --dry-run` prints it. */
export interface ConfigEntry {
  /** The config file's key path, e.g. `safety.timeout_s`. */
  key: string;
  /** The effective value, as text (URLs redacted by the caller). */
  value: string;
  source: ConfigSource;
  /** Which flag or variable, when `source` is `flag` or `env`, e.g. `--timeout`, `CHAOS_MAX_DURATION`. */
  via?: string;
}

/** The candidates of one setting, by layer; `undefined` means "this layer does not set it". */
export interface Layers<T> {
  flag?: { name: string; value: T | undefined };
  env?: { name: string; value: T | undefined };
  file?: T | undefined;
  default: T;
}

/**
 * Resolves one setting by precedence (flag > env > file > default), recording in `entries` where
 * it came from under the file's key path. `show` turns the value into text for --dry-run.
 */
export function layered<T>(
  entries: ConfigEntry[],
  key: string,
  layers: Layers<T>,
  show: (value: T) => string = (v) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v)),
): T {
  let value: T;
  let entry: Omit<ConfigEntry, 'value'>;
  if (layers.flag && layers.flag.value !== undefined) {
    value = layers.flag.value;
    entry = { key, source: 'flag', via: layers.flag.name };
  } else if (layers.env && layers.env.value !== undefined) {
    value = layers.env.value;
    entry = { key, source: 'env', via: layers.env.name };
  } else if (layers.file !== undefined) {
    value = layers.file;
    entry = { key, source: 'file' };
  } else {
    value = layers.default;
    entry = { key, source: 'default' };
  }
  entries.push({ ...entry, value: show(value) });
  return value;
}
