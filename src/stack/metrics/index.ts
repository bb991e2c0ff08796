export { GatewayMetrics, type GatewayMetricsSource } from './gateway-metrics.js';
