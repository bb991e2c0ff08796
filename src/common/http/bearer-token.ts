import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { FaultlineError } from '../errors.js';

/** A control request without the right token (401); servers write it with their own error body. */
export class UnauthorizedError extends FaultlineError {
  constructor() {
    super('FL_HTTP_UNAUTHORIZED', 'missing or wrong bearer token', { httpStatus: 401 });
  }
}

/** The challenge sent with every 401 (RFC 6750 §3). */
export const bearerChallenge = 'Bearer realm="faultline"';

/**
 * The shared secret of a control listener. A request carries it as `Authorization: Bearer <token>`
 * (RFC 6750), or as the password of Basic credentials (RFC 7617, any user name), which is what a
 * client sends for a URL such as `http://faultline:<token>@host:8474` (Go's net/http, curl -u).
 *
 * The comparison hashes both sides with SHA-256 and compares the digests with
 * `crypto.timingSafeEqual`: equal-length inputs, so neither the length nor the first differing
 * byte of the token leaks through timing.
 */
export class BearerToken {
  private readonly digest: Buffer;

  constructor(token: string) {
    this.digest = sha256(token);
  }

  /** Whether an `Authorization` header value carries the token. */
  matches(authorization: string | undefined): boolean {
    const presented = credentialOf(authorization);
    // Hash something even when nothing was presented, so a missing header costs the same.
    return timingSafeEqual(sha256(presented ?? ''), this.digest) && presented !== undefined;
  }

  /** Throws UnauthorizedError unless `req` carries the token. */
  check(req: IncomingMessage): void {
    if (!this.matches(req.headers.authorization)) throw new UnauthorizedError();
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The secret of `Bearer <t>` or the password of `Basic base64(user:password)`; undefined otherwise. */
function credentialOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const space = authorization.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}
