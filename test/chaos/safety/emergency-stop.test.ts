import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journalSchema } from '../../../src/chaos/experiment/index.js';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { alive } from '../../support/process-alive.js';
import { TestService } from '../experiment/test-servers.js';

let upstream: TestService;
let proxies: ProxyServer;
let dir: string;
let child: ChildProcess | undefined;
let servicePid: number | undefined;

beforeEach(async () => {
  upstream = await TestService.start();
  proxies = await startProxyServer({ port: 0, seed: 1 });
  await proxies.createProxy({ name: 'svc', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstream.port}` });
  dir = mkdtempSync(join(tmpdir(), 'faultline-emergency-'));
});

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (servicePid !== undefined && alive(servicePid)) process.kill(servicePid, 'SIGKILL');
  await proxies.close();
  await upstream.stop();
  rmSync(dir, { recursive: true, force: true });
});

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

interface Ready {
  servicePid: number;
  servicePort: number;
  heldPort: number;
}

describe('emergency stop (child process)', () => {
  const cases: { how: string; trigger: (c: ChildProcess) => void; reason: RegExp }[] = [
    { how: 'SIGINT', trigger: (c) => c.kill('SIGINT'), reason: /SIGINT/ },
    { how: 'SIGTERM', trigger: (c) => c.kill('SIGTERM'), reason: /SIGTERM/ },
    { how: 'an uncaught error', trigger: (c) => c.stdin?.write('crash\n'), reason: /uncaught error: boom/ },
  ];

  it.each(cases)(
    'on $how: reverts every fault, stops every process, writes the journal, exits 130',
    async ({ how, trigger, reason }) => {
      const journalPath = join(dir, 'journal.json');
      child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'test/chaos/safety/fixtures/emergency-child.ts',
          JSON.stringify({ api: proxies.url, proxy: 'svc', journalPath, crash: how === 'an uncaught error' }),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'], cwd: process.cwd() },
      );
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child?.once('exit', (code, signal) => resolve({ code, signal })),
      );
      const ready = await new Promise<Ready>((resolve, reject) => {
        let out = '';
        child?.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /READY (.*)\n/.exec(out);
          if (m) resolve(JSON.parse(m[1] as string));
        });
        void exited.then((e) => reject(new Error(`child exited early (${e.code}): ${stderr}`)));
      });
      servicePid = ready.servicePid;

      // The faults are in place, seen from outside.
      expect(proxies.listToxics('svc').map((t) => t.name)).toEqual(['slow']);
      expect(await portOpen(ready.heldPort)).toBe(true);
      expect(await portOpen(ready.servicePort)).toBe(true);
      expect(alive(ready.servicePid)).toBe(true);

      const sent = performance.now();
      trigger(child);
      const exit = await exited;
      const tookMs = performance.now() - sent;
      console.log(`emergency exit after ${how}: ${tookMs.toFixed(0)} ms`);

      expect(exit.code).toBe(130);
      expect(proxies.listToxics('svc')).toEqual([]);
      expect(await portOpen(ready.heldPort)).toBe(false);
      expect(await portOpen(ready.servicePort)).toBe(false);
      expect(alive(ready.servicePid)).toBe(false);
      // 1 s for the reverts plus at most 2 s of finalizers; generous on a busy machine.
      expect(tookMs).toBeLessThan(10_000);

      const journal = journalSchema.parse(JSON.parse(readFileSync(journalPath, 'utf8')));
      expect(journal.status).toBe('interrupted');
      expect(journal.error?.code).toBe('FL_EMERGENCY_STOP');
      expect(journal.abort_reason).toMatch(reason);
      expect(journal.faults.map((f) => [f.name, f.revert_reason, f.error])).toEqual([
        ['slow', 'emergency', undefined],
        ['hold-port', 'emergency', undefined],
      ]);
      expect(journal.rollbacks.map((r) => [r.name, r.status])).toEqual([['rollback ran', 'succeeded']]);
      expect(journal.seed).toBe(5);
      if (how === 'an uncaught error')
        expect(stderr).toContain('uncaught error, emergency stop: Error: boom from a timer');
    },
  );
});
