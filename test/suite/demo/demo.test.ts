import { demoProcessKill } from '../../../src/suite/demo/process-kill.js';
import { demoProxyLatency } from '../../../src/suite/demo/proxy-latency.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The demo scenarios, run through vitest: `npx vitest run test/suite/demo -t demo_process_kill`.
defineScenarioTests([demoProcessKill, demoProxyLatency]);
