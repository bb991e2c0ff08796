import { massDisconnection } from '../../../src/suite/websocket/mass-disconnection.js';
import { messageFlooding } from '../../../src/suite/websocket/message-flooding.js';
import { defineScenarioTests } from '../define-scenario-tests.js';

// The websocket category's scenarios (and their Scenario.controls), judged by the same runner as `faultline run`.
defineScenarioTests([massDisconnection, messageFlooding]);
