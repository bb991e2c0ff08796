/** Methods RFC 9110 §9.2.2 defines as idempotent: safe to send twice. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
  'TRACE',
]);

/**
 * Whether a request may be retried (or hedged) without risking a duplicate side effect: an
 * idempotent method, or any method carrying an `Idempotency-Key` header (the IETF draft Stripe
 * popularised). `headers` uses Node's lower-case keys.
 */
export function isIdempotentRequest(
  method: string,
  headers: Readonly<Record<string, unknown>> = {},
): boolean {
  if (IDEMPOTENT_METHODS.has(method.toUpperCase())) return true;
  const key = headers['idempotency-key'];
  return typeof key === 'string' ? key.length > 0 : Array.isArray(key) && key.length > 0;
}
