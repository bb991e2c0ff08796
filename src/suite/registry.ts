import type { Scenario } from '../runner/scenario.js';
import { demoProcessKill } from './demo/process-kill.js';
import { demoProxyLatency } from './demo/proxy-latency.js';
import { gradualLatency } from './latency/gradual-latency.js';
import { highLatency } from './latency/high-latency.js';
import { networkDegradation } from './latency/network-degradation.js';
import { serviceIsolation } from './network/service-isolation.js';
import { connectionPoolExhaustion } from './resource/connection-pool-exhaustion.js';
import { cpuExhaustion } from './resource/cpu-exhaustion.js';
import { memoryPressure } from './resource/memory-pressure.js';
import { cascadingFailure } from './service/cascading-failure.js';
import { randomCrashes } from './service/random-crashes.js';
import { serviceRecovery } from './service/service-recovery.js';
import { massDisconnection } from './websocket/mass-disconnection.js';

/**
 * The explicit list of every scenario `faultline run` knows, in run order. Add a scenario with
 * one import and one line here; nothing registers itself by being imported.
 */
export const scenarios: readonly Scenario[] = [
  // Demos: small, self-contained, prove the runner end to end (tag `demo`).
  demoProcessKill,
  demoProxyLatency,
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
  massDisconnection,
];
