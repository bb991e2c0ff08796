/**
 * The fault proxy: a TCP proxy with toxics, driven in-process or through a Toxiproxy-compatible
 * HTTP API. See docs/proxy.md.
 */
export { formatAddress, type HostPort, parseAddress } from './address.js';
export { isProxyApiError, ProxyApiError, type ProxyErrorKind, proxyErrorTable } from './errors.js';
export { createApiHandler, sendReply } from './http-api.js';
export type { LeaseJson } from './lease-registry.js';
export { createProxyMetrics } from './metrics.js';
export {
  createProxyCollection,
  DEFAULT_LISTEN,
  ProxyCollection,
  type ProxyCollectionOptions,
  type ToxicEvent,
  type ToxicRemovedEvent,
} from './proxy-collection.js';
export { ProxyServer, type ProxyServerOptions, startProxyServer } from './proxy-server.js';
export {
  type ProxyInput,
  type ProxyUpdate,
  proxyInputSchema,
  type ToxicInput,
  type ToxicUpdate,
  toxicInputSchema,
} from './schemas.js';
export type { ProxyJson, ProxyStats } from './tcp-proxy.js';
export type { ToxicJson, ToxicRemovalReason } from './toxic-collection.js';
