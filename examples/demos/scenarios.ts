import { demoProcessKill } from './process-kill.js';
import { demoProxyLatency } from './proxy-latency.js';

/** The demo scenarios, in run order (examples/demos/run.ts runs them). */
export const demoScenarios = [demoProcessKill, demoProxyLatency];
