import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { SeededRandom } from '../../../src/common/rng.js';
import { DecorrelatedJitterBackoff } from '../../../src/stack/backoff/decorrelated-jitter-backoff.js';
import { BrokenCircuitError, isBrokenCircuitError } from '../../../src/stack/breaker/broken-circuit-error.js';
import { createCircuitBreaker } from '../../../src/stack/breaker/circuit-breaker-config.js';
import {
  CircuitBreakerPolicy,
  type CircuitState,
} from '../../../src/stack/breaker/circuit-breaker-policy.js';
import { ConsecutiveBreaker } from '../../../src/stack/breaker/consecutive-breaker.js';

const ok = () => Promise.resolve('ok');
const boom = () => Promise.reject(new Error('boom'));

function deferred<T = string>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(halfOpenProbes = 1, threshold = 2) {
  const clock = new ManualClock();
  const policy = new CircuitBreakerPolicy({
    breaker: new ConsecutiveBreaker({ threshold }),
    halfOpenAfter: 1000,
    halfOpenProbes,
    clock,
  });
  const states: CircuitState[] = [];
  policy.onStateChange(({ to }) => states.push(to));
  return { clock, policy, states };
}

async function trip(policy: CircuitBreakerPolicy, n = 2) {
  for (let i = 0; i < n; i++) await expect(policy.execute(boom)).rejects.toThrow('boom');
}

describe('CircuitBreakerPolicy', () => {
  it('passes values and errors through while closed', async () => {
    const { policy } = setup();
    await expect(policy.execute(ok)).resolves.toBe('ok');
    await expect(policy.execute(boom)).rejects.toThrow('boom');
    expect(policy.state).toBe('closed');
  });

  it('opens on the strategy and fails fast without calling fn', async () => {
    const { policy, states, clock } = setup();
    const breaks: string[] = [];
    policy.onBreak((e) => breaks.push(e.reason));
    await trip(policy);
    expect(policy.state).toBe('open');
    let called = 0;
    clock.advance(250);
    const err = await policy.execute(async () => called++).catch((e: unknown) => e);
    expect(isBrokenCircuitError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'FL_BROKEN_CIRCUIT', httpStatus: 503, retryAfterMs: 750 });
    expect((err as BrokenCircuitError).retryAfterSeconds).toBe(1);
    expect(called).toBe(0);
    expect(breaks).toEqual(['failure']);
    expect(states).toEqual(['open']);
  });

  it('goes half-open after halfOpenAfter and closes after the probe count succeeds', async () => {
    const { policy, states, clock } = setup(3);
    let halfOpens = 0;
    let resets = 0;
    policy.onHalfOpen(() => halfOpens++);
    policy.onReset(() => resets++);
    await trip(policy);
    clock.advance(999);
    expect(policy.state).toBe('open');
    clock.advance(1);
    expect(policy.state).toBe('half-open');
    expect(halfOpens).toBe(1);

    // Three probes are admitted at once; a fourth call fails fast while they are in flight.
    const probes = [deferred(), deferred(), deferred()];
    const running = probes.map((d) => policy.execute(() => d.promise));
    await expect(policy.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(policy.snapshot()).toMatchObject({ state: 'half-open', probesInFlight: 3 });
    probes[0]!.resolve('a');
    probes[1]!.resolve('b');
    await Promise.all(running.slice(0, 2));
    expect(policy.state).toBe('half-open');
    probes[2]!.resolve('c');
    await expect(running[2]).resolves.toBe('c');
    expect(policy.state).toBe('closed');
    expect(resets).toBe(1);
    expect(states).toEqual(['open', 'half-open', 'closed']);
    // The strategy was reset: it takes the full threshold to open again.
    await expect(policy.execute(boom)).rejects.toThrow();
    expect(policy.state).toBe('closed');
  });

  it('re-opens on a failed probe and waits a full period again', async () => {
    const { policy, states, clock } = setup(2);
    const breaks: string[] = [];
    policy.onBreak((e) => breaks.push(e.reason));
    await trip(policy);
    clock.advance(1000);
    await expect(policy.execute(ok)).resolves.toBe('ok');
    await expect(policy.execute(boom)).rejects.toThrow('boom');
    expect(policy.state).toBe('open');
    expect(breaks).toEqual(['failure', 'probe-failure']);
    expect(policy.snapshot()).toMatchObject({ consecutiveOpens: 2, halfOpenInMs: 1000 });
    clock.advance(999);
    await expect(policy.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    clock.advance(1);
    await expect(policy.execute(ok)).resolves.toBe('ok');
    await expect(policy.execute(ok)).resolves.toBe('ok');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('frees a probe slot when the caller aborts, without judging the upstream', async () => {
    const { policy, clock } = setup(1);
    await trip(policy);
    clock.advance(1000);
    const ac = new AbortController();
    const probe = policy.execute(
      (ctx) =>
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
      ac.signal,
    );
    ac.abort();
    await expect(probe).rejects.toThrow('aborted');
    expect(policy.snapshot()).toMatchObject({ state: 'half-open', probesInFlight: 0 });
    await expect(policy.execute(ok)).resolves.toBe('ok');
    expect(policy.state).toBe('closed');
  });

  it('ignores results of calls that started before the circuit opened', async () => {
    const { policy, clock } = setup(1);
    const slow = deferred();
    const late = policy.execute(() => slow.promise);
    await trip(policy);
    clock.advance(1000); // half-open; the late success must not count as the probe
    slow.resolve('late');
    await expect(late).resolves.toBe('late');
    expect(policy.snapshot()).toMatchObject({ state: 'half-open', probeSuccesses: 0 });
  });

  it('counts results as failures through isFailure and still returns them', async () => {
    const clock = new ManualClock();
    const policy = new CircuitBreakerPolicy({
      breaker: new ConsecutiveBreaker({ threshold: 2 }),
      isFailure: (o) => !o.ok || (o.value as { status: number }).status >= 500,
      clock,
    });
    await expect(policy.execute(async () => ({ status: 503 }))).resolves.toEqual({ status: 503 });
    await expect(policy.execute(async () => ({ status: 502 }))).resolves.toEqual({ status: 502 });
    expect(policy.state).toBe('open');
  });

  it('treats a synchronous throw like a rejection', async () => {
    const { policy } = setup();
    const thrower = (): Promise<never> => {
      throw new Error('sync');
    };
    await expect(policy.execute(thrower)).rejects.toThrow('sync');
    await expect(policy.execute(thrower)).rejects.toThrow('sync');
    expect(policy.state).toBe('open');
  });

  it('measures durations only for listeners', async () => {
    const clock = new ManualClock();
    let reads = 0;
    const counting = {
      now: () => {
        reads++;
        return clock.now();
      },
    };
    const policy = new CircuitBreakerPolicy({ breaker: new ConsecutiveBreaker(), clock: counting });
    await policy.execute(ok);
    expect(reads).toBe(0);
    const seen: number[] = [];
    policy.onSuccess((e) => seen.push(e.durationMs));
    const d = deferred();
    const p = policy.execute(() => d.promise);
    clock.advance(42);
    d.resolve('x');
    await p;
    expect(seen).toEqual([42]);
  });

  it('backs off the open period over consecutive re-opens with a Backoff', async () => {
    const clock = new ManualClock();
    const policy = new CircuitBreakerPolicy({
      breaker: new ConsecutiveBreaker({ threshold: 1 }),
      halfOpenAfter: new DecorrelatedJitterBackoff({ baseMs: 100, capMs: 10_000 }, new SeededRandom(1)),
      clock,
    });
    const periods: number[] = [];
    for (let i = 0; i < 6; i++) {
      await policy.execute(boom).catch(() => {});
      const wait = policy.snapshot().halfOpenInMs;
      periods.push(wait);
      clock.advance(wait);
    }
    for (const p of periods) expect(p).toBeGreaterThanOrEqual(100);
    expect(Math.max(...periods)).toBeGreaterThan(periods[0]!);
    await policy.execute(ok);
    expect(policy.snapshot()).toMatchObject({ state: 'closed', consecutiveOpens: 0 });
  });

  it('builds from a config and names bad keys', async () => {
    const clock = new ManualClock();
    const policy = createCircuitBreaker(
      { strategy: { type: 'failure-rate', minimumVolume: 2, threshold: 0.5 }, halfOpenProbes: 2 },
      { clock },
    );
    await policy.execute(boom).catch(() => {});
    await policy.execute(boom).catch(() => {});
    expect(policy.snapshot()).toMatchObject({ state: 'open', halfOpenInMs: 10_000 });
    expect(() => createCircuitBreaker({ halfOpenProbes: 0 })).toThrow(/halfOpenProbes/);
    expect(() => createCircuitBreaker({ strategy: { type: 'nope' } as never })).toThrow(/strategy/);
  });

  it("publishes state changes on 'faultline:breaker:state-change'", async () => {
    const { policy, clock } = setup();
    const seen: string[] = [];
    const onMessage = (m: unknown) => {
      const msg = m as { policy: unknown; from: string; to: string };
      if (msg.policy === policy) seen.push(`${msg.from}->${msg.to}`);
    };
    diagnosticsChannel.subscribe('faultline:breaker:state-change', onMessage);
    try {
      await trip(policy);
      clock.advance(1000);
      await policy.execute(ok);
    } finally {
      diagnosticsChannel.unsubscribe('faultline:breaker:state-change', onMessage);
    }
    expect(seen).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('isolate() holds the circuit open until every handle is disposed, then closes fresh', async () => {
    const { policy, clock, states } = setup();
    const reasons: string[] = [];
    policy.onBreak((e) => reasons.push(e.reason));
    const a = policy.isolate();
    const b = policy.isolate();
    clock.advance(1e9);
    await expect(policy.execute(ok)).rejects.toThrow(/isolated/);
    expect(policy.snapshot()).toMatchObject({ state: 'open', isolated: true, halfOpenInMs: 0 });
    a.dispose();
    a.dispose();
    expect(policy.state).toBe('open');
    b.dispose();
    expect(policy.snapshot()).toMatchObject({ state: 'closed', isolated: false, consecutiveOpens: 0 });
    await expect(policy.execute(ok)).resolves.toBe('ok');
    expect(reasons).toEqual(['isolated']);
    expect(states).toEqual(['open', 'closed']);
  });

  it('acceptingCalls says whether a call would reach fn', async () => {
    const { policy, clock } = setup(1);
    expect(policy.acceptingCalls).toBe(true);
    await trip(policy);
    expect(policy.acceptingCalls).toBe(false);
    clock.advance(1000);
    expect(policy.acceptingCalls).toBe(true);
    const probe = deferred();
    const running = policy.execute(() => probe.promise);
    expect(policy.acceptingCalls).toBe(false);
    probe.resolve('x');
    await running;
    expect(policy.acceptingCalls).toBe(true);
  });
});
