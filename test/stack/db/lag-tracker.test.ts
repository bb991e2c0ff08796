import { describe, expect, it } from 'vitest';
import { LagTracker } from '../../../src/stack/db/lag-tracker.js';
import { lsnBytesBehind, parseLsn } from '../../../src/stack/db/lsn.js';

describe('parseLsn', () => {
  it('reads X/Y as a 64-bit position', () => {
    expect(parseLsn('0/3000060')).toBe(0x3000060n);
    expect(parseLsn('1/0')).toBe(1n << 32n);
    expect(parseLsn('FFFFFFFF/FFFFFFFF')).toBe((1n << 64n) - 1n);
    expect(parseLsn(null)).toBeUndefined();
    expect(parseLsn('garbage')).toBeUndefined();
  });

  it('counts bytes behind, never negative', () => {
    expect(lsnBytesBehind(parseLsn('0/2000') as bigint, parseLsn('0/1000') as bigint)).toBe(4096);
    expect(lsnBytesBehind(1n, 5n)).toBe(0);
  });
});

describe('LagTracker', () => {
  it('reads 0 for a standby at or past the latest primary position', () => {
    const t = new LagTracker();
    t.record(100n, 0);
    t.record(200n, 100);
    expect(t.lagMs(200n, 500)).toBe(0);
    expect(t.lagMs(250n, 500)).toBe(0);
  });

  it('is as old as the first primary sample the standby has not replayed', () => {
    const t = new LagTracker();
    t.record(100n, 0);
    t.record(200n, 100);
    t.record(300n, 200);
    expect(t.lagMs(150n, 1000)).toBe(900); // the primary was at 200 at t=100
    expect(t.lagMs(50n, 1000)).toBe(1000);
  });

  it('keeps growing while a cut-off standby stays put, even when the primary is idle', () => {
    const t = new LagTracker();
    t.record(100n, 0);
    t.record(200n, 100);
    expect(t.lagMs(100n, 5000)).toBe(4900);
  });

  it('ignores samples that do not advance and forgets beyond the horizon', () => {
    const t = new LagTracker(1000);
    t.record(100n, 0);
    t.record(100n, 500);
    expect(t.lagMs(50n, 600)).toBe(600);
    t.record(200n, 5000);
    expect(t.primaryLsn).toBe(200n);
    expect(t.lagMs(150n, 5100)).toBe(100);
  });
});
