import type { RequestOutcome } from '../health/outlier-detector.js';

/** What the WebSocket gateway needs of an upstream host (the gateway's `UpstreamHost` is one). */
export interface WebSocketUpstreamHost {
  /** `http://host:port`, dialled as `ws://host:port`. */
  readonly origin: string;
  /** Open connections count as active requests, so `least_request` balances connections. */
  activeRequests: number;
}

/**
 * Where connections go: the same balancer and health machinery as HTTP (the gateway's
 * `UpstreamCluster` is one). A failed handshake is recorded as a gateway failure for outlier
 * detection; an open one as a success.
 */
export interface WebSocketUpstreams<H extends WebSocketUpstreamHost = WebSocketUpstreamHost> {
  readonly name: string;
  pick(exclude?: ReadonlySet<H>): H | undefined;
  record(host: H, outcome: RequestOutcome): void;
}
