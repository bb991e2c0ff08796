import { randomUUID } from 'node:crypto';

const acceptable = /^[\x21-\x7e]{1,200}$/;

/** The incoming X-Request-Id when it is a sane token, else a fresh UUID. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value !== undefined && acceptable.test(value) ? value : randomUUID();
}
