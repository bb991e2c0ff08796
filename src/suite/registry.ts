import type { Scenario } from '../runner/scenario.js';
import { cacheCorruption } from './cache/cache-corruption.js';
import { cachePoisoning } from './cache/cache-poisoning.js';
import { cacheRecovery } from './cache/cache-recovery.js';
import { dataConsistency } from './database/data-consistency.js';
import { primaryFailure } from './database/primary-failure.js';
import { splitBrain } from './database/split-brain.js';
import { gradualLatency } from './latency/gradual-latency.js';
import { highLatency } from './latency/high-latency.js';
import { networkDegradation } from './latency/network-degradation.js';
import { serviceIsolation } from './network/service-isolation.js';
import { adaptiveLimiting } from './rate_limit/adaptive-limiting.js';
import { distributedLimiting } from './rate_limit/distributed-limiting.js';
import { trafficFlood } from './rate_limit/traffic-flood.js';
import { connectionPoolExhaustion } from './resource/connection-pool-exhaustion.js';
import { cpuExhaustion } from './resource/cpu-exhaustion.js';
import { memoryPressure } from './resource/memory-pressure.js';
import { cascadingFailure } from './service/cascading-failure.js';
import { randomCrashes } from './service/random-crashes.js';
import { serviceRecovery } from './service/service-recovery.js';
import { connectionStorm } from './websocket/connection-storm.js';
import { massDisconnection } from './websocket/mass-disconnection.js';
import { messageFlooding } from './websocket/message-flooding.js';

/**
 * The explicit list of the seed's scenarios that `faultline run` knows, in run order (the demos are
 * examples, in examples/demos/, not entries here). Add a scenario with
 * one import and one line here; nothing registers itself by being imported.
 */
export const scenarios: readonly Scenario[] = [
  randomCrashes,
  cascadingFailure,
  serviceRecovery,
  highLatency,
  gradualLatency,
  networkDegradation,
  cpuExhaustion,
  memoryPressure,
  connectionPoolExhaustion,
  serviceIsolation,
  primaryFailure,
  splitBrain,
  dataConsistency,
  trafficFlood,
  distributedLimiting,
  adaptiveLimiting,
  cacheCorruption,
  cachePoisoning,
  cacheRecovery,
  massDisconnection,
  messageFlooding,
  connectionStorm,
];
