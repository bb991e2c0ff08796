import { FaultlineError } from '../common/errors.js';

/** `send` while `maxBufferedMessages` are unacknowledged. */
export class BufferFullError extends FaultlineError {
  constructor(readonly limit: number) {
    super('FL_WS_BUFFER_FULL', `offline send buffer full (${limit} unacknowledged messages)`);
  }
}

/** `send` after `close()`. */
export class ClientClosedError extends FaultlineError {
  constructor() {
    super('FL_WS_CLIENT_CLOSED', 'the client was closed');
  }
}

/** The client stopped reconnecting after `maxAttempts` failed attempts in a row. */
export class ClientGaveUpError extends FaultlineError {
  constructor(readonly attempts: number) {
    super('FL_WS_GAVE_UP', `gave up after ${attempts} failed connection attempts in a row`);
  }
}
