import { createServer } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  LogBuffer,
  type ManagedProcess,
  ProcessExitedError,
  ProcessNameError,
  ProcessNotReadyError,
  ProcessSampler,
  ProcessSupervisor,
  SupervisorClosedError,
  tcpOpen,
} from '../../../src/chaos/process/index.js';
import {
  busyScript,
  httpServerScript,
  isAlive,
  nodeArgs,
  parentOfSleepScript,
  procState,
  stubbornScript,
} from './fixtures.js';
import { spawnHttpScriptChild, spawnScriptChild } from './script-child.js';

let supervisor: ProcessSupervisor;
afterEach(async () => {
  await supervisor?.stopAll(500);
});

function httpChild(name = 'web') {
  return spawnHttpScriptChild(supervisor, name, httpServerScript);
}

describe('freePort', () => {
  it('returns a port that can be bound', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((r) => server.close(r));
  });
});

describe('LogBuffer', () => {
  it('keeps only the last N lines, joining partial chunks', () => {
    const logs = new LogBuffer(3);
    logs.write('stdout', 'a\nb');
    logs.write('stdout', 'c\nd\ne\n');
    logs.write('stderr', 'f\n');
    expect(logs.tail()).toEqual(['d', 'e', 'f']);
    expect(logs.entries().map((e) => e.stream)).toEqual(['stdout', 'stdout', 'stderr']);
  });
});

describe('ProcessSupervisor', () => {
  it('spawns a child, waits for HTTP readiness, captures logs and shuts it down', async () => {
    supervisor = new ProcessSupervisor();
    const { child, port } = await httpChild();
    expect(child.pid).toBeGreaterThan(0);
    expect(child.state).toBe('running');
    expect(child.logs.tail()).toContain(`listening ${port}`);
    const pid = child.pid!;
    expect(supervisor.pidOf('web')).toBe(pid);
    expect(supervisor.pidOf('nope')).toBeUndefined();
    const exits: unknown[] = [];
    child.onExit((e) => exits.push(e));
    await child.shutdown();
    expect(exits).toEqual([{ name: 'web', pid, code: null, signal: 'SIGTERM' }]);
    expect(isAlive(pid)).toBe(false);
    expect(await tcpOpen('127.0.0.1', port)).toBe(false);
    expect(supervisor.pidOf('web')).toBeUndefined();
    await child.shutdown(); // idempotent
  });

  it('waits for a TCP port and for a log line', async () => {
    supervisor = new ProcessSupervisor();
    const port = await freePort();
    const byTcp = await supervisor.spawn({
      name: 'tcp',
      command: process.execPath,
      args: nodeArgs(httpServerScript, port),
      ready: { type: 'tcp', port },
    });
    expect(await tcpOpen('127.0.0.1', port)).toBe(true);
    const byLog = await spawnScriptChild(supervisor, 'log', stubbornScript, /^stub+orn$/);
    expect(byLog.logs.tail()).toEqual(['stubborn']);
    expect(supervisor.names()).toEqual(['tcp', 'log']);
    expect(byTcp.running && byLog.running).toBe(true);
  });

  it('rejects with ProcessNotReadyError on timeout and leaves no process behind', async () => {
    supervisor = new ProcessSupervisor();
    const port = await freePort();
    const spawned: ManagedProcess[] = [];
    supervisor.onSpawn((c) => spawned.push(c));
    const err = await supervisor
      .spawn({
        name: 'never',
        command: process.execPath,
        args: nodeArgs(stubbornScript),
        ready: { type: 'tcp', port },
        ready_timeout_ms: 300,
        kill_grace_ms: 100,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessNotReadyError);
    expect((err as ProcessNotReadyError).code).toBe('FL_PROCESS_NOT_READY');
    expect((err as Error).message).toContain(`not ready (tcp 127.0.0.1:${port}) within 300 ms`);
    expect(supervisor.get('never')).toBeUndefined();
    const pid = spawned[0]?.exitInfo?.pid;
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid as number)).toBe(false);
  });

  it('rejects with ProcessExitedError when the child dies before it is ready', async () => {
    supervisor = new ProcessSupervisor();
    const err = await supervisor
      .spawn({
        name: 'dies',
        command: process.execPath,
        args: ['-e', 'console.error("boom"); process.exit(3)'],
        ready: { type: 'log', pattern: 'never printed' },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessExitedError);
    expect((err as Error).message).toMatch(/code 3.*\n.*boom/s);
  });

  it('fails cleanly when the command does not exist', async () => {
    supervisor = new ProcessSupervisor();
    const err = await supervisor
      .spawn({ name: 'missing', command: '/nonexistent/faultline-binary' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessExitedError);
    expect((err as Error).message).toContain('ENOENT');
  });

  it('refuses duplicate names', async () => {
    supervisor = new ProcessSupervisor();
    await httpChild('dup');
    const err = await httpChild('dup').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessNameError);
    expect(() => supervisor.require('nope')).toThrow(/no process named "nope" \(known: dup\)/);
  });

  it('freezes with SIGSTOP and thaws with SIGCONT', async () => {
    supervisor = new ProcessSupervisor();
    const { child, port } = await httpChild();
    expect(await child.freeze()).toBe(true);
    expect(child.state).toBe('frozen');
    expect(procState(child.pid!)).toBe('T');
    const frozen = await request(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(300) }).catch(
      (e: unknown) => e,
    );
    expect(frozen).toBeInstanceOf(Error);
    expect(child.cont()).toBe(true);
    const res = await request(`http://127.0.0.1:${port}/`);
    expect(await res.body.text()).toBe('ok');
  });

  it('restarts with a new pid and is ready again', async () => {
    supervisor = new ProcessSupervisor();
    const { child, port } = await httpChild();
    const before = child.pid!;
    const starts: number[] = [];
    child.onStart(({ pid }) => starts.push(pid));
    await child.restart();
    expect(child.pid).not.toBe(before);
    expect(starts).toEqual([child.pid]);
    expect(isAlive(before)).toBe(false);
    expect(await tcpOpen('127.0.0.1', port)).toBe(true);
  });

  it('kill sends SIGKILL and reports it', async () => {
    supervisor = new ProcessSupervisor();
    const { child } = await httpChild();
    const exit = await child.kill();
    expect(exit?.signal).toBe('SIGKILL');
    expect(child.running).toBe(false);
    expect(child.pid).toBeUndefined();
    // Two revivals at once (two faults reverting) share one spawn.
    const starts: number[] = [];
    child.onStart(({ pid }) => starts.push(pid));
    await Promise.all([child.start(), child.start()]);
    expect(starts).toHaveLength(1);
    expect(child.pid).toBe(starts[0]);
  });

  it('stopAll escalates to SIGKILL, kills grandchildren, is idempotent and closes the supervisor', async () => {
    supervisor = new ProcessSupervisor();
    const stubborn = await spawnScriptChild(supervisor, 'stubborn', stubbornScript, 'stubborn');
    const parent = await spawnScriptChild(supervisor, 'parent', parentOfSleepScript, 'grandchild');
    const { child: frozen } = await httpChild('frozen');
    frozen.stop();
    const grandchild = Number(parent.logs.tail()[0]?.split(' ')[1]);
    expect(isAlive(grandchild)).toBe(true);
    const pids = [stubborn.pid!, parent.pid!, frozen.pid!];

    const first = supervisor.stopAll(300);
    const second = supervisor.stopAll(300);
    expect(second).toBe(first);
    await first;
    for (const pid of [...pids, grandchild]) expect(isAlive(pid)).toBe(false);
    expect(stubborn.exitInfo?.signal).toBe('SIGKILL');
    expect(frozen.exitInfo?.signal).toBe('SIGTERM');
    await expect(httpChild('late')).rejects.toBeInstanceOf(SupervisorClosedError);
  });

  it('exposes each child as a revertible process for the safety controller', async () => {
    supervisor = new ProcessSupervisor();
    const { child, port } = await httpChild();
    const revertible = child.asRevertible();
    expect(revertible).toMatchObject({ kind: 'process', name: 'web', pid: child.pid });
    expect(revertible.id).toMatch(/^process-\d+$/);
    await revertible.revert();
    await revertible.revert();
    expect(await tcpOpen('127.0.0.1', port)).toBe(false);
  });
});

describe('ProcessSupervisor events and safety hooks', () => {
  it('announces each child on spawn, before it is ready, so an early emergency stop can kill it', async () => {
    supervisor = new ProcessSupervisor();
    const seen: { name: string; state: string }[] = [];
    supervisor.onSpawn((child) => seen.push({ name: child.name, state: child.state }));
    await httpChild('announced');
    expect(seen).toEqual([{ name: 'announced', state: 'idle' }]);
  });

  it('the supervisor as one revertible stops every child', async () => {
    supervisor = new ProcessSupervisor();
    const { child: a, port: pa } = await httpChild('a');
    const { child: b } = await httpChild('b');
    const all = supervisor.asRevertible(300);
    expect(all).toMatchObject({ kind: 'process', id: 'process-supervisor' });
    await all.revert();
    expect(a.running || b.running).toBe(false);
    expect(await tcpOpen('127.0.0.1', pa)).toBe(false);
  });
});

describe('ProcessSampler', () => {
  it('reports CPU % and RSS of a busy child, and null once it is gone', async () => {
    supervisor = new ProcessSupervisor();
    const busy = await spawnScriptChild(supervisor, 'busy', busyScript, 'busy');
    const sampler = new ProcessSampler(busy.pid!);
    const first = await sampler.sample();
    expect(first?.cpu_percent).toBeNull();
    expect(first?.rss_mb).toBeGreaterThan(5);
    await new Promise((r) => setTimeout(r, 500));
    const second = await sampler.sample();
    // A busy loop on a shared 2-core machine (load average ~20 while engineers run tests):
    // its fair share can be ~10 %; anything clearly above idle proves the arithmetic.
    expect(second?.cpu_percent).toBeGreaterThan(2);
    expect(second?.cpu_percent).toBeLessThan(250);
    await busy.kill();
    expect(await sampler.sample()).toBeNull();
  });
});
