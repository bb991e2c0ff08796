// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${FAULTLINE_…} placeholders are what is under test
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ReferenceStack, startReferenceStack } from '../../../src/suite/harness/reference-stack.js';
import type { Target } from '../../../src/targets/target.js';
import { targetNamed } from '../../../src/targets/targets.js';

const SERVICE = fileURLToPath(new URL('../../../src/service/main.ts', import.meta.url));
const TSX_LOADER = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/** GET /dependency through the entry: the instance calls its external dependency, if it has one. */
async function dependency(stack: ReferenceStack): Promise<{ status: number; body: string }> {
  const res = await request(`${stack.gatewayUrl}/dependency`);
  return { status: res.statusCode, body: await res.body.text() };
}

/**
 * The config's mock setting for external services (mocks.external, CHAOS_MOCK_EXTERNAL) reaches the
 * instances of an external target, and only those: Faultline's own instances always use the stub.
 */
describe('external target: mocks apply to the external target only', () => {
  let dir: string;
  let external: Target;
  let stack: ReferenceStack | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-external-mocks-'));
    await writeFile(
      join(dir, 'lb.cfg.in'),
      [
        'defaults',
        '  mode http',
        '  timeout connect 500ms',
        '  timeout client 10s',
        '  timeout server 5s',
        'frontend entry',
        '  bind 127.0.0.1:${FAULTLINE_PORT}',
        '  default_backend service',
        'backend service',
        '  server one ${FAULTLINE_UPSTREAM_1}',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'mocks.yaml'),
      [
        'entry:',
        `  command: [${JSON.stringify(existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy')}, -db, -f, "\${FAULTLINE_TMPDIR}/lb.cfg"]`,
        '  templates: [{ from: lb.cfg.in, to: lb.cfg }]',
        'instances:',
        `  - { name: one, command: ${JSON.stringify([process.execPath, '--import', TSX_LOADER, SERVICE])}, ready_path: /healthz, env: { LOG_LEVEL: warn } }`,
        '',
      ].join('\n'),
    );
    external = targetNamed(`external:${join(dir, 'mocks.yaml')}`);
  });
  /** A temp dir of the test's own, so the harness makes none (another test counts those it makes). */
  const own = () => mkdtemp(join(dir, 'scenario-'));
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('mocks on: the instance it starts calls the stub through its fault proxy', async () => {
    stack = await startReferenceStack({
      target: external,
      instances: 1,
      external: true,
      mockExternal: true,
      tmpDir: await own(),
    });
    expect(stack.external?.proxy).toBe('external');
    const answer = await dependency(stack);
    expect(answer.status, answer.body).toBe(200);
    expect(stack.proxies.stats().get('external')?.connectionsTotal ?? 0).toBeGreaterThan(0);
  }, 60_000);

  it('mocks off: no stub, and the instance is told not to mock (it has no dependency here)', async () => {
    stack = await startReferenceStack({
      target: external,
      instances: 1,
      external: true,
      mockExternal: false,
    });
    expect(stack.external).toBeUndefined();
    const answer = await dependency(stack);
    expect(answer.status).toBe(503);
    expect(answer.body).toContain('no external dependency configured');
  }, 60_000);

  it('mocks off does not change Faultline’s own instances: they always use the stub', async () => {
    stack = await startReferenceStack({
      instances: 1,
      external: true,
      mockExternal: false,
      tmpDir: await own(),
    });
    expect(stack.external?.proxy).toBe('external');
    const answer = await dependency(stack);
    expect(answer.status, answer.body).toBe(200);
  }, 60_000);
});
