import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defineExperiment,
  ExperimentValidationError,
  loadExperimentFile,
  parseExperimentText,
} from '../../../src/chaos/experiment/index.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(fn: () => unknown): ExperimentValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExperimentValidationError) return err;
    throw err;
  }
  throw new Error('expected a validation error');
}

const minimal = `title: t
method:
  - type: pause
    duration_ms: 10
`;

describe('experiment files', () => {
  it('parses YAML and JSON with defaults filled in', async () => {
    const yamlFile = join(dir, 'e.yaml');
    writeFileSync(yamlFile, minimal);
    const e = await loadExperimentFile(yamlFile);
    expect(e).toMatchObject({
      title: 't',
      tags: [],
      rollbacks: [],
      method: [{ type: 'pause', name: 'pause' }],
    });
    expect(e.stop_conditions).toEqual({
      interval_ms: 1000,
      host_cpu: { threshold_percent: 95, sustain_ms: 10_000 },
      available_memory: { min_percent: 10 },
      probes: [],
    });
    const jsonFile = join(dir, 'e.json');
    writeFileSync(jsonFile, JSON.stringify({ title: 'j', method: [{ type: 'pause', duration_ms: 1 }] }));
    expect((await loadExperimentFile(jsonFile)).title).toBe('j');
  });

  it('names the file, the line, the path and what was expected, one line per issue', () => {
    const text = `title: broken
steady_state_hypothesis:
  probes:
    - name: up
      probe: { type: http, url: "http://127.0.0.1:1/health" }
method:
  - type: action
    name: nothing to do
  - type: probe
    name: p
    probe: { type: tcp, port: 99999 }
    tolerance: { type: rang }
speed: fast
`;
    const err = errorOf(() => parseExperimentText(text, 'exp.yaml'));
    expect(err.code).toBe('FL_EXPERIMENT_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.message.split('\n')).toEqual([
      'exp.yaml:4:7: steady_state_hypothesis.probes[0].tolerance: required',
      'exp.yaml:7:5: method[0]: expected exactly one of fault, http or run',
      'exp.yaml:11:31: method[1].probe.port: Too big: expected number to be <=65535',
      "exp.yaml:12:24: method[1].tolerance.type: expected one of 'exact' | 'range' | 'list' | 'regex' | 'jsonpath'",
      "exp.yaml:1:1: (document): unknown key 'speed'",
    ]);
    expect(err.issues[1]).toEqual({
      path: 'method[0]',
      message: 'expected exactly one of fault, http or run',
      line: 7,
      column: 5,
    });
  });

  it('says what a tolerance may be when it is none of them', () => {
    const err = errorOf(() =>
      parseExperimentText(
        'title: t\nmethod:\n  - {type: probe, name: p, probe: {type: tcp, port: 1}, tolerance: {a: 1}}\n',
        'x.yaml',
      ),
    );
    expect(err.message).toMatch(/method\[0\]\.tolerance(\.type)?: expected/);
  });

  it('reports YAML syntax errors and unreadable files', async () => {
    const err = errorOf(() =>
      parseExperimentText('title: x\nmethod:\n  - type: pause\n   duration_ms: 1\n', 'x.yaml'),
    );
    expect(err.message).toMatch(/^x\.yaml:4:\d+: \(document\): not valid YAML: /);
    await expect(loadExperimentFile(join(dir, 'missing.yaml'))).rejects.toThrow(
      `${join(dir, 'missing.yaml')}: (document): cannot read the file (ENOENT)`,
    );
    const dup = errorOf(() => parseExperimentText('title: a\ntitle: b\nmethod: []\n', 'd.yaml'));
    expect(dup.message).toMatch(/not valid YAML: Map keys must be unique/);
  });

  it('validates a fault spec through the fault registry', () => {
    const text = `title: t
method:
  - type: action
    name: slow
    fault: { kind: toxic, proxy: svc, toxic: { type: latency, attributes: { latency: fast } } }
  - type: action
    name: what
    fault: { kind: meteor }
`;
    const err = errorOf(() => parseExperimentText(text, 'f.yaml'));
    expect(err.issues.map((i) => i.path)).toEqual([
      'method[0].fault.toxic.attributes.latency',
      'method[1].fault.kind',
    ]);
    expect(err.issues[1]?.message).toMatch(/^expected one of 'toxic' \| /);
  });

  it('the TypeScript API validates the same way and names its source', () => {
    const err = errorOf(() =>
      defineExperiment({ title: '', method: [{ type: 'pause', duration_ms: -1 }] } as never, 'my-suite.ts'),
    );
    expect(err.message.split('\n')).toEqual([
      'my-suite.ts: title: Too small: expected string to have >=1 characters',
      'my-suite.ts: method[0].duration_ms: Too small: expected number to be >=0',
    ]);
  });
});
