import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFault } from '../../../src/chaos/faults/index.js';
import { freePort } from '../../../src/chaos/process/free-port.js';
import type { ManagedProcess } from '../../../src/chaos/process/managed-process.js';
import { ProcessSupervisor } from '../../../src/chaos/process/process-supervisor.js';
import { tcpOpen } from '../../../src/chaos/process/readiness.js';
import { SeededRandom } from '../../../src/common/rng.js';
import { type ReferenceStack, startReferenceStack } from '../../../src/suite/harness/reference-stack.js';
import { targetNamed } from '../../../src/targets/targets.js';
import { alive } from '../../support/process-alive.js';

const SERVICE = fileURLToPath(new URL('../../../src/service/main.ts', import.meta.url));
const TSX_LOADER = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/**
 * Alive and not a zombie: the user's services are orphans (their shell exits), and whoever
 * adopts them may reap a killed one late, so signal 0 alone would still find it.
 */
function running(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The external target in its "already running" form: a user's two services, started outside
 * Faultline (a shell that backgrounds them and writes a pid file, as a service manager would), and
 * the user's HAProxy already running, pointed at the fault proxies' fixed addresses. The target
 * file gives the entry URL, the instances as addresses with those proxy addresses, and for each
 * its pid file and start command, so process faults can kill and revive it.
 */
describe('external target: a running stack (entry URL, address instances with pid files)', () => {
  let dir: string;
  const supervisor = new ProcessSupervisor();
  let haproxy: ManagedProcess | undefined;
  let stack: ReferenceStack | undefined;
  const names = ['a', 'b'];
  const ports: Record<string, { service: number; proxy: number }> = {};
  let entryPort = 0;
  const startCommand = (name: string) => {
    const { service } = ports[name] as { service: number };
    const pidFile = join(dir, `${name}.pid`);
    return [
      'sh',
      '-c',
      `PORT=${service} HOST=127.0.0.1 INSTANCE_ID=${name} CHAOS_MOCK_EXTERNAL=1 LOG_LEVEL=warn ` +
        `'${process.execPath}' --import '${TSX_LOADER}' '${SERVICE}' >/dev/null 2>&1 & echo $! > '${pidFile}'`,
    ];
  };
  const pidOf = async (name: string) => Number((await readFile(join(dir, `${name}.pid`), 'utf8')).trim());
  const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
    const deadline = performance.now() + timeoutMs;
    while (!(await check())) {
      if (performance.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-external-running-'));
    await mkdir(join(dir, 'scenario'));
    for (const name of names) ports[name] = { service: await freePort(), proxy: await freePort() };
    entryPort = await freePort();
    // The user's services, started as their service manager would.
    for (const name of names) {
      const [cmd, ...args] = startCommand(name);
      execFileSync(cmd as string, args);
      const port = ports[name]?.service as number;
      await waitUntil(`${name} listening`, () => tcpOpen('127.0.0.1', port));
    }
    // The user's HAProxy, already running, pointing at where the fault proxies will listen.
    const config = join(dir, 'haproxy.cfg');
    await writeFile(
      config,
      [
        'defaults',
        '  mode http',
        '  timeout connect 500ms',
        '  timeout client 10s',
        '  timeout server 2s',
        'frontend entry',
        `  bind 127.0.0.1:${entryPort}`,
        '  default_backend service',
        'backend service',
        '  balance roundrobin',
        '  retries 2',
        '  option redispatch 1',
        '  retry-on conn-failure empty-response response-timeout',
        ...names.map((n) => `  server ${n} 127.0.0.1:${ports[n]?.proxy}`),
        '',
      ].join('\n'),
    );
    haproxy = await supervisor.spawn({
      name: 'users-haproxy',
      command: existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy',
      args: ['-db', '-f', config],
      ready: { type: 'tcp', port: entryPort },
    });
    await writeFile(
      join(dir, 'running.yaml'),
      [
        'entry:',
        `  url: http://127.0.0.1:${entryPort}`,
        '  ready_path: /healthz',
        'instances:',
        ...names.flatMap((n) => [
          `  - name: ${n}`,
          `    address: 127.0.0.1:${ports[n]?.service}`,
          `    proxy: 127.0.0.1:${ports[n]?.proxy}`,
          '    process:',
          `      pid_file: ${n}.pid`,
          `      start: ${JSON.stringify(startCommand(n))}`,
        ]),
        'capabilities: [retry_other_host, reference_api]',
        '',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await supervisor.stopAll(1000);
    for (const name of names) {
      const pid = await pidOf(name).catch(() => undefined);
      if (pid !== undefined && running(pid)) process.kill(pid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('serves through the user’s balancer and the fault proxies; kill -9 and revive by pid file; leaves the stack as found', async () => {
    const target = targetNamed(`external:${join(dir, 'running.yaml')}`);
    expect(target.capabilities.instance_processes).toBe(true);
    // Its own temp dir: the harness then makes none (another test counts the ones it makes).
    stack = await startReferenceStack({ target, instances: 2, tmpDir: join(dir, 'scenario') });
    expect(stack.gatewayUrl).toBe(`http://127.0.0.1:${entryPort}`);
    expect(stack.unsupported[0]).toMatch(/runs its own balancer config/);
    // The fault proxies listen where the user's HAProxy points.
    expect(stack.instances.map((i) => i.proxiedUrl)).toEqual(
      names.map((n) => `http://127.0.0.1:${ports[n]?.proxy}`),
    );

    const served = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const res = await request(`${stack.gatewayUrl}/items?limit=1`);
      await res.body.dump();
      expect(res.statusCode).toBe(200);
      served.add(String(res.headers['x-instance-id']));
    }
    expect([...served].sort()).toEqual(names);
    const proxied = stack.proxies.stats();
    for (const name of names) expect(proxied.get(name)?.connectionsTotal ?? 0).toBeGreaterThan(0);

    // kill -9 of a process Faultline did not start, found by its pid file; revert runs the start command.
    const before = await pidOf('a');
    const kill = createFault({ kind: 'process.kill', process: 'a', revive: true }, stack.faultDeps);
    await kill.inject({ rng: new SeededRandom(1), signal: new AbortController().signal });
    expect(running(before)).toBe(false);
    expect(await tcpOpen('127.0.0.1', ports.a?.service as number, 500)).toBe(false);
    // Retries on the other server keep the clients served while it is down.
    const res = await request(`${stack.gatewayUrl}/items?limit=1`);
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    await kill.revert();
    const after = await pidOf('a');
    expect(after).not.toBe(before);
    expect(running(after)).toBe(true);
    const direct = await request(`http://127.0.0.1:${ports.a?.service}/healthz`);
    await direct.body.dump();
    expect(direct.statusCode).toBe(200);

    // Freeze and thaw by signal.
    const freeze = createFault({ kind: 'process.freeze', process: 'b' }, stack.faultDeps);
    await freeze.inject({ rng: new SeededRandom(1), signal: new AbortController().signal });
    const state = async (pid: number) => (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.[0];
    const frozen = await pidOf('b');
    expect(await state(frozen)).toBe('T');
    await freeze.revert();
    expect(await state(frozen)).not.toBe('T');

    // Closing stops what Faultline started (its proxies) and leaves the user's processes running.
    const proxyPorts = names.map((n) => ports[n]?.proxy as number);
    await stack.close();
    stack = undefined;
    for (const port of proxyPorts) expect(await tcpOpen('127.0.0.1', port, 500)).toBe(false);
    for (const name of names) expect(running(await pidOf(name))).toBe(true);
    expect(haproxy?.running).toBe(true);
  }, 60_000);
});
