/** `faultline/ws-client`: a resuming, buffering WebSocket client for the Faultline gateway. */
export {
  type Disconnected,
  type ReceivedMessage,
  ResilientWebSocket,
  type ResilientWebSocketOptions,
  type SessionOpened,
  type SessionSnapshot,
} from './resilient-websocket.js';
export { BufferFullError, ClientClosedError, ClientGaveUpError } from './ws-client-errors.js';
