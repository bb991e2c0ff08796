export { type CloseOptions, Gateway, type GatewayOptions, startGateway } from './gateway.js';
export type { GatewayConfig, GatewayConfigInput } from './gateway-config.js';
export { gatewayConfigSchema } from './gateway-config.js';
export {
  BadRequestTargetError,
  ClientAbortedError,
  GatewayDrainingError,
  GatewayListenError,
  GatewayTimeoutError,
  NoHealthyUpstreamError,
  NoRouteError,
  UpstreamFailureError,
  UpstreamPoolExhaustedError,
  UpstreamTimeoutError,
} from './gateway-errors.js';
export type {
  BreakerStateChange,
  HostStateChange,
  PanicChange,
  RequestCompleted,
  RequestShed,
  RetryScheduled,
} from './gateway-events.js';
export type { ClusterState, GatewayState, RouteState, UpstreamHostState } from './gateway-state.js';
export { GatewayConfigError, loadGatewayConfig, parseGatewayConfig } from './load-gateway-config.js';
export { logGatewayEvents } from './log-gateway-events.js';
export { type ServeGatewayOptions, serveGateway } from './serve-gateway.js';
