import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const CONTEXT = 'faultline-ws-resume-v1:';

/**
 * Session ids and resume tokens. A token is `<sid>.<sig>` where sig = base64url(HMAC-SHA256(secret,
 * context + sid)): any instance with the secret can check it without a lookup, and nobody without
 * it can resume a session whose id they guessed or saw.
 */
export class ResumeTokens {
  constructor(private readonly secret: string) {}

  /** A fresh random session id (128 bits, base64url). */
  newSessionId(): string {
    return randomBytes(16).toString('base64url');
  }

  sign(sid: string): string {
    return `${sid}.${this.mac(sid).toString('base64url')}`;
  }

  /** The session id a token carries, or undefined if it is malformed or not signed with our secret. */
  verify(token: string): string | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0 || dot > 64) return undefined;
    const sid = token.slice(0, dot);
    if (!/^[A-Za-z0-9_-]+$/.test(sid)) return undefined;
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(sid);
    return given.length === expected.length && timingSafeEqual(given, expected) ? sid : undefined;
  }

  private mac(sid: string): Buffer {
    return createHmac('sha256', this.secret)
      .update(CONTEXT + sid)
      .digest();
  }
}
