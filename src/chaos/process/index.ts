export {
  ProcessExitedError,
  ProcessNameError,
  ProcessNotReadyError,
  SupervisorClosedError,
} from './errors.js';
export { freePort } from './free-port.js';
export { LogBuffer, type LogLine } from './log-buffer.js';
export {
  ManagedProcess,
  type ProcessExit,
  type ProcessSpec,
  type ProcessState,
  processSpecSchema,
  type RevertibleProcess,
} from './managed-process.js';
export {
  type ProcessSample,
  ProcessSampler,
  type ProcStat,
  readProcStat,
} from './proc-stats.js';
export {
  type ProcessLookup,
  ProcessSupervisor,
  type ProcessSupervisorOptions,
} from './process-supervisor.js';
export {
  describeReadiness,
  type Readiness,
  readinessSchema,
  tcpOpen,
  waitForReadiness,
} from './readiness.js';
