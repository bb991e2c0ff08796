/**
 * Close codes the gateway sends (RFC 6455 §7.4.1 and the IANA registry), one place so tests,
 * clients and docs agree.
 */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  /** A frame that is not a session frame. */
  unsupportedData: 1003,
  invalidPayload: 1007,
  /** Message rate exceeded. */
  policyViolation: 1008,
  /** Message larger than `limits.maxMessageBytes`. */
  messageTooBig: 1009,
  /** Session log (Redis) failed. */
  internalError: 1011,
  /** The upstream went away without a close frame. */
  badGateway: 1014,
  /** The session was resumed on another connection or instance. */
  sessionMoved: 4000,
} as const;

/** A code the gateway may send on for an upstream's close (1005/1006 cannot be sent). */
export function relayableCode(code: number): number {
  if (code === 1005) return CloseCode.normal;
  if (code === 1006 || code === 1015 || code === 1004) return CloseCode.badGateway;
  return code;
}
