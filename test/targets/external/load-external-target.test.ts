// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${FAULTLINE_…} placeholders are what is under test
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExternalStackFile } from '../../../src/targets/external/load-external-target.js';
import { ExternalTargetFileError } from '../../../src/targets/target-errors.js';
import { targetNamed } from '../../../src/targets/targets.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/external/stack.yaml', import.meta.url));

describe('external target file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-external-file-'));
    await writeFile(join(dir, 'lb.cfg.in'), 'bind ${FAULTLINE_PORT}\nserver a ${FAULTLINE_UPSTREAM_1}\n');
    await writeFile(join(dir, 'bad.cfg.in'), 'server a ${FAULTLINE_UPSTREAM_9}\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Writes `text` as FILE.yaml in the temp dir and loads it. */
  const load = async (text: string, name = 'stack.yaml') => {
    await writeFile(join(dir, name), text);
    return loadExternalStackFile(join(dir, name), name);
  };
  /** The one-line message a bad file gives. */
  const problem = async (text: string): Promise<string> => {
    try {
      await load(text, 'bad.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(ExternalTargetFileError);
      expect((err as ExternalTargetFileError).code).toBe('FL_TARGET_FILE');
      expect((err as ExternalTargetFileError).exitCode).toBe(2);
      const message = (err as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      return message;
    }
    throw new Error('the file loaded');
  };

  const ENTRY = 'entry: { command: [lb, -f, "${FAULTLINE_TMPDIR}/lb.cfg"] }\n';
  const ONE = 'instances:\n  - { name: a, command: [node, app.js] }\n';

  it('loads the documented example: its entry, instances and declared capabilities', () => {
    const target = targetNamed(`external:${EXAMPLE}`);
    expect(target.name).toBe('external:haproxy-by-hand');
    expect(target.instances?.count).toBe(3);
    expect(target.binary?.name).toBe('haproxy');
    expect(target.capabilities.retry_other_host).toBe(true);
    expect(target.capabilities.reference_api).toBe(true);
    // Every instance is a command Faultline starts: it can kill and restart them.
    expect(target.capabilities.instance_processes).toBe(true);
    expect(target.capabilities.circuit_breaker).toMatch(/^not declared in .*stack\.yaml/);
    expect(target.capabilities.admin_state).toMatch(/no Faultline admin API/);
    expect(target.controls).not.toBe(true);
  });

  it('defaults: the name from the file, ready path /healthz, no capabilities', async () => {
    const file = await load(`${ENTRY}${ONE}`, 'shop.yaml');
    expect(file.name).toBe('shop');
    expect(file.spec.entry.ready_path).toBe('/healthz');
    expect(file.spec.capabilities).toEqual([]);
    const target = targetNamed(`external:${join(dir, 'shop.yaml')}`);
    expect(target.capabilities.per_try_timeout).toMatch(/not declared/);
  });

  it('an address instance without a process cannot be hurt: no instance_processes, with the reason', async () => {
    await load(
      `entry: { url: "http://127.0.0.1:8080" }\ninstances:\n  - { name: a, address: "127.0.0.1:9001", proxy: "127.0.0.1:19001" }\n  - { name: b, address: "127.0.0.1:9002", proxy: "127.0.0.1:19002", process: { pid_file: b.pid, start: [systemctl, start, b] } }\n`,
      'fixed.yaml',
    );
    const target = targetNamed(`external:${join(dir, 'fixed.yaml')}`);
    expect(target.capabilities.instance_processes).toMatch(/instance a is an address with no process/);
    expect(target.binary).toBeUndefined();
  });

  it('reads templates and checks their placeholders', async () => {
    const file = await load(
      `entry:\n  command: [lb]\n  templates: [{ from: lb.cfg.in, to: lb.cfg }]\n${ONE}`,
    );
    expect(file.templates[0]?.text).toContain('${FAULTLINE_UPSTREAM_1}');
  });

  it.each([
    ['no entry', ONE, 'target file bad.yaml:1:1: entry: expected object'],
    [
      'an unknown key, named with its line',
      `${ENTRY}${ONE}capabilites: []\n`,
      'bad.yaml:4:14: capabilites: unknown key',
    ],
    [
      'a non-loopback address',
      'entry: { url: "http://127.0.0.1:80" }\ninstances:\n  - { name: a, address: "10.0.0.5:80", proxy: "127.0.0.1:1" }\n',
      'bad.yaml:3:25: instances[0].address: expected host:port on loopback',
    ],
    [
      'a running entry with an instance its balancer cannot find',
      'entry: { url: "http://127.0.0.1:80" }\ninstances:\n  - { name: a, address: "127.0.0.1:9001" }\n',
      'bad.yaml:3:5: instances[0]: give proxy',
    ],
    [
      'neither command nor address',
      `${ENTRY}instances:\n  - { name: a }\n`,
      'instances[0]: give exactly one of command',
    ],
    [
      'a duplicate name',
      `${ENTRY}instances:\n  - { name: a, command: [x] }\n  - { name: a, command: [y] }\n`,
      'bad.yaml:4:13: instances[1].name: "a" is also instances[0]\'s name',
    ],
    [
      'an unknown capability',
      `${ENTRY}${ONE}capabilities: [admin_state]\n`,
      'capabilities[0]: Invalid option',
    ],
    [
      'an unknown placeholder in a command',
      `entry: { command: [lb, "\${FAULTLINE_UPSTREAM_2}"] }\n${ONE}`,
      'bad.yaml:1:24: entry.command[1]: unknown placeholder ${FAULTLINE_UPSTREAM_2}',
    ],
    [
      'an unknown placeholder in a template',
      `entry:\n  command: [lb]\n  templates: [{ from: bad.cfg.in, to: lb.cfg }]\n${ONE}`,
      'entry.templates[0].from: bad.cfg.in uses unknown placeholder ${FAULTLINE_UPSTREAM_9}',
    ],
    [
      'a missing template',
      `entry:\n  command: [lb]\n  templates: [{ from: nope.in, to: lb.cfg }]\n${ONE}`,
      'entry.templates[0].from: cannot read nope.in (ENOENT)',
    ],
    ['YAML that does not parse', 'entry: [\n', 'bad.yaml:2:1: not valid YAML'],
  ])('rejects %s in one line naming the key', async (_what, text, expected) => {
    expect(await problem(text)).toContain(expected);
  });

  it('a missing file, and external without a file, are usage errors', () => {
    expect(() => targetNamed(`external:${join(dir, 'none.yaml')}`)).toThrow(
      /cannot read the file \(ENOENT\)/,
    );
    expect(() => targetNamed('external')).toThrow(/needs the file describing your stack: external:FILE/);
    expect(() => targetNamed('external:')).toThrow(/external:FILE/);
  });
});
