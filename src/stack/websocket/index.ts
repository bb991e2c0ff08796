export { CloseCode } from './close-codes.js';
export { ResumeTokens } from './resume-token.js';
export {
  type AckFrame,
  LAST_PARAM,
  type MessageFrame,
  RESUME_PARAM,
  type SessionFrame,
  type WelcomeFrame,
} from './session-protocol.js';
export { TokenBucket } from './token-bucket.js';
export type { WebSocketUpstreamHost, WebSocketUpstreams } from './upstreams.js';
export {
  type WebSocketConfig,
  type WebSocketConfigInput,
  websocketConfigSchema,
  websocketHeartbeatSchema,
  websocketLimitsSchema,
  websocketSessionsSchema,
} from './websocket-config.js';
export { WebSocketGateway, type WebSocketGatewayOptions, type WebSocketStats } from './websocket-gateway.js';
