/**
 * Request headers that some origins and frameworks read but a cache does not key on: sent
 * through, they let one client make the origin produce a response (a redirect to another host,
 * a rewritten path, another method) that the cache then serves to everyone under the plain key.
 * Stripped before forwarding on a cached route. Sources: James Kettle, "Practical Web Cache
 * Poisoning" (PortSwigger, 2018) and Param Miner's header list; Symfony/Zend `X-Original-URL`,
 * `X-Rewrite-URL`; Rails/Express method override. `Forwarded` (RFC 7239) is included: the gateway
 * is the first proxy, so a client's claim about earlier hops is not trusted.
 */
export const defaultUnkeyedHeaders: readonly string[] = [
  'forwarded',
  'x-forwarded-host',
  'x-forwarded-server',
  'x-forwarded-scheme',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-ssl',
  'x-original-url',
  'x-original-host',
  'x-original-method',
  'x-rewrite-url',
  'x-override-url',
  'x-host',
  'x-http-host-override',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-url-scheme',
  'front-end-https',
];
