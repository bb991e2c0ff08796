import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  cgroupV1Unavailable,
  createFault,
  type Fault,
  FaultConfigError,
  type FaultDeps,
  type FaultSpecInput,
  faultKinds,
  faultRegistry,
  faultSpecSchema,
} from '../../../src/chaos/faults/index.js';
import { ProcessSupervisor } from '../../../src/chaos/process/index.js';
import { faultContext, spawnHttpChild } from './helpers.js';
import { type ProxiedUpstream, startProxiedUpstream } from './proxied-upstream.js';

/**
 * The Fault contract, run against every registered kind on real targets: kind and name
 * come from the spec, params are JSON for the journal, revert before inject is a no-op,
 * and inject → revert → revert leaves nothing behind and never throws.
 */
let supervisor: ProcessSupervisor;
let upstream: ProxiedUpstream;
let deps: FaultDeps;
const prefix = `fl-contract:${process.pid}:`;
const cgroupOk =
  (await cgroupV1Unavailable('cpu')) === null && (await cgroupV1Unavailable('memory')) === null;

beforeAll(async () => {
  supervisor = new ProcessSupervisor();
  await spawnHttpChild(supervisor, 'svc');
  upstream = await startProxiedUpstream('p', 3);
  deps = { processes: supervisor, toxics: upstream.proxy };
});

afterAll(async () => {
  await supervisor.stopAll(300);
  await upstream.close();
});

const specs: Record<string, () => FaultSpecInput> = {
  toxic: () => ({ kind: 'toxic', proxy: 'p', toxic: { type: 'latency', attributes: { latency: 10 } } }),
  'process.kill': () => ({ kind: 'process.kill', process: 'svc' }),
  'process.term': () => ({ kind: 'process.term', process: 'svc' }),
  'process.freeze': () => ({ kind: 'process.freeze', process: 'svc' }),
  'process.restart': () => ({ kind: 'process.restart', process: 'svc' }),
  cpu: () => ({ kind: 'cpu', workers: 1, duty: 0.5 }),
  memory: () => ({ kind: 'memory', mb: 8 }),
  connections: () => ({ kind: 'connections', port: upstream.upstreamPort, count: 3 }),
  latency_ramp: () => ({ kind: 'latency_ramp', proxy: 'p', step_ms: 5, every_ms: 20, max_ms: 20 }),
  'redis.corrupt': () => ({
    kind: 'redis.corrupt',
    url: 'redis://127.0.0.1:6379/15',
    pattern: `${prefix}*`,
    owned: { prefix },
    mode: 'poison',
  }),
};

describe('Fault contract', () => {
  it('covers every registered kind', () => {
    expect(Object.keys(specs).sort()).toEqual([...faultKinds].sort());
    expect(Object.keys(faultRegistry)).toEqual(faultKinds);
  });

  it.each(faultKinds)('%s: identity, JSON params, idempotent revert', async (kind) => {
    const spec = specs[kind]?.() as FaultSpecInput;
    const fault: Fault = createFault({ ...spec, name: `contract-${kind}` }, deps);
    expect(fault.kind).toBe(kind);
    expect(fault.name).toBe(`contract-${kind}`);
    expect(JSON.parse(JSON.stringify(fault.params))).toEqual(fault.params);
    await fault.revert(); // never injected: a no-op
    await fault.inject(faultContext());
    await fault.revert();
    await fault.revert();
    expect(upstream.proxy.listToxics('p')).toEqual([]);
    expect(supervisor.get('svc')?.state).toBe('running');
  });

  it.skipIf(!cgroupOk)('cgroup modes also revert twice without error', async () => {
    for (const spec of [
      { kind: 'cpu', mode: 'cgroup', process: 'svc', quota: 0.5 },
      { kind: 'memory', mode: 'cgroup', process: 'svc', limit_mb: 512 },
    ] as const) {
      const fault = createFault(spec, deps);
      await fault.revert();
      await fault.inject(faultContext());
      await fault.revert();
      await fault.revert();
    }
  });

  it('bad specs fail with FaultConfigError naming the field', () => {
    expect(() => createFault({ kind: 'nope' })).toThrow(FaultConfigError);
    expect(() => createFault({ kind: 'cpu', duty: 2 })).toThrow(/invalid fault spec: duty:/);
    expect(() => createFault({ kind: 'cpu', mode: 'cgroup' })).toThrow(
      /cgroup mode needs "process" or "pid"/,
    );
  });

  it('the spec schema converts to JSON Schema (for docs and editors)', () => {
    const schema = z.toJSONSchema(faultSpecSchema, { unrepresentable: 'any', io: 'input' }) as {
      oneOf?: unknown[];
      anyOf?: unknown[];
    };
    expect((schema.oneOf ?? schema.anyOf)?.length).toBe(faultKinds.length);
  });
});
