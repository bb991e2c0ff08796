import type { Logger } from 'pino';
import type { Disposable, Event } from '../../common/event.js';
import type { BreakerStateChange, HostStateChange, PanicChange, RequestCompleted } from './gateway-events.js';

export interface GatewayEventSource {
  readonly onHostStateChange: Event<HostStateChange>;
  readonly onPanicChange: Event<PanicChange>;
  readonly onBreakerStateChange: Event<BreakerStateChange>;
  readonly onRequestCompleted: Event<RequestCompleted>;
}

/**
 * Structured logs of a gateway's state changes (info/warn) and, at debug level, of every
 * request. Like the metrics, the logs only subscribe to events.
 */
export function logGatewayEvents(source: GatewayEventSource, logger: Logger): Disposable {
  const log = logger.child({ component: 'gateway' });
  const subs = [
    source.onHostStateChange((e) => {
      const level = e.to === 'healthy' ? 'info' : 'warn';
      log[level](
        {
          cluster: e.cluster,
          host: e.host,
          from: e.from,
          to: e.to,
          reason: e.reason,
          timesEjected: e.timesEjected,
        },
        `host ${e.to}`,
      );
    }),
    source.onPanicChange((e) =>
      log[e.panic ? 'warn' : 'info'](
        { cluster: e.cluster, panic: e.panic },
        e.panic ? 'panic mode' : 'panic over',
      ),
    ),
    source.onBreakerStateChange((e) =>
      log[e.to === 'open' ? 'warn' : 'info'](
        { scope: e.scope, name: e.name, cluster: e.cluster, from: e.from, to: e.to },
        `breaker ${e.to}`,
      ),
    ),
  ];
  if (log.isLevelEnabled('debug')) {
    subs.push(
      source.onRequestCompleted((e) =>
        log.debug(
          {
            route: e.route,
            cluster: e.cluster,
            method: e.method,
            status: e.status,
            ms: Math.round(e.durationMs * 100) / 100,
            attempts: e.attempts,
            requestId: e.requestId,
            ...(e.code ? { code: e.code } : {}),
          },
          'request',
        ),
      ),
    );
  }
  return {
    dispose: () => {
      for (const s of subs) s.dispose();
    },
  };
}
