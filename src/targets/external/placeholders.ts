/**
 * The `${FAULTLINE_…}` placeholders of an external target's commands, environment and templates:
 * how the user's balancer learns the addresses of the fault proxies it must point at, and its
 * instances the port they must listen on. Only names starting with `FAULTLINE_` are placeholders,
 * so a template keeps its own `${…}` (nginx variables, shell parameters) as they are.
 */

const PLACEHOLDER = /\$\{(FAULTLINE_[A-Za-z0-9_]+)\}/g;

/** Placeholders of the entry (its command, env and templates) for `instances` instances. */
export function entryPlaceholderNames(instances: number): string[] {
  return [
    'FAULTLINE_PORT',
    'FAULTLINE_URL',
    'FAULTLINE_TMPDIR',
    'FAULTLINE_FILE_DIR',
    'FAULTLINE_UPSTREAMS',
    ...Array.from({ length: instances }, (_, i) => `FAULTLINE_UPSTREAM_${i + 1}`),
  ];
}

/** Placeholders of an instance's command and env. */
export const INSTANCE_PLACEHOLDER_NAMES: readonly string[] = [
  'FAULTLINE_PORT',
  'FAULTLINE_INSTANCE',
  'FAULTLINE_TMPDIR',
  'FAULTLINE_FILE_DIR',
];

/** The placeholder names `text` uses that are not in `known`, each once, in order. */
export function unknownPlaceholders(text: string, known: readonly string[]): string[] {
  const unknown = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] as string;
    if (!known.includes(name)) unknown.add(name);
  }
  return [...unknown];
}

/**
 * `text` with every `${FAULTLINE_X}` replaced by `values.FAULTLINE_X`. The names were checked when
 * the file was loaded (`unknownPlaceholders`), so a missing value is a bug: it throws.
 */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for placeholder ${whole}`);
    return value;
  });
}
