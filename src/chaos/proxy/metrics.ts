import { Counter, Gauge, Registry } from 'prom-client';
import type { ProxyStats } from './tcp-proxy.js';

/**
 * Prometheus metrics of one server, on a private registry (several servers in one process do
 * not share counters). The core keeps plain counters; this module reads them at scrape time, so
 * the data path never touches prom-client.
 */
export function createProxyMetrics(stats: () => Map<string, ProxyStats>): Registry {
  const registry = new Registry();
  const directions = ['upstream', 'downstream'] as const;
  new Counter({
    name: 'faultline_proxy_received_bytes_total',
    help: 'Bytes read from the source side of each direction (upstream: from clients; downstream: from the upstream server).',
    labelNames: ['proxy', 'direction'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [proxy, s] of stats()) {
        for (const direction of directions) this.inc({ proxy, direction }, s.bytes[direction].received);
      }
    },
  });
  new Counter({
    name: 'faultline_proxy_sent_bytes_total',
    help: 'Bytes written to the destination side of each direction, after toxics.',
    labelNames: ['proxy', 'direction'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [proxy, s] of stats()) {
        for (const direction of directions) this.inc({ proxy, direction }, s.bytes[direction].sent);
      }
    },
  });
  new Counter({
    name: 'faultline_proxy_connections_total',
    help: 'Connections accepted.',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [proxy, s] of stats()) this.inc({ proxy }, s.connectionsTotal);
    },
  });
  new Gauge({
    name: 'faultline_proxy_connections',
    help: 'Connections open now.',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [proxy, s] of stats()) this.set({ proxy }, s.connectionsActive);
    },
  });
  new Gauge({
    name: 'faultline_proxy_toxics',
    help: 'Toxics installed now (including ones waiting for start_after_ms).',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [proxy, s] of stats()) this.set({ proxy }, s.toxics);
    },
  });
  return registry;
}
