import { ConsecutiveBreaker } from '../../../src/stack/breaker/consecutive-breaker.js';
import { FailureRateBreaker } from '../../../src/stack/breaker/failure-rate-breaker.js';
import { breakerContract } from './breaker-contract.js';

breakerContract('ConsecutiveBreaker(3)', () => ({
  breaker: new ConsecutiveBreaker({ threshold: 3 }),
  failuresToOpen: 3,
}));

breakerContract('ConsecutiveBreaker(1)', () => ({
  breaker: new ConsecutiveBreaker({ threshold: 1 }),
  failuresToOpen: 1,
}));

breakerContract('FailureRateBreaker(50 %, volume 5)', (clock) => ({
  breaker: new FailureRateBreaker({ threshold: 0.5, minimumVolume: 5, windowMs: 1000, buckets: 10 }, clock),
  failuresToOpen: 5,
}));
