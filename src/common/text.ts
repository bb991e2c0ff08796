/**
 * Text for logs, journals and reports, one of each helper.
 */

/**
 * An error as one line of text: `CODE: message` when it carries a string `code` the message does
 * not already name (FaultlineError, Node's system errors), the message alone otherwise, and
 * `String(value)` for anything thrown that is not an Error.
 */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/**
 * A URL fit for a log or a report: its password replaced by `***`. With `hostOnly`, only
 * `scheme://host:port` (no user, path or query). Something that does not parse as a URL is
 * `(unparsable)`, never echoed (it might hold a secret).
 */
export function redactUrl(url: string, options: { hostOnly?: boolean } = {}): string {
  try {
    const u = new URL(url);
    if (options.hostOnly) return `${u.protocol}//${u.host}`;
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable)';
  }
}
