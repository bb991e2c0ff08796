import { massDisconnection } from '../../../src/suite/websocket/mass-disconnection.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The websocket category's scenarios, judged by the same runner as `faultline run`.
defineScenarioTests([massDisconnection]);
