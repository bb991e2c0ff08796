import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { ExperimentValidationError, parseExperimentText } from '../../../src/chaos/experiment/index.js';
import { main } from '../../../src/cli/main.js';
import { damage, edgeValue, fuzzParams, mutate, mutation, textDamage } from '../../common/fuzz.js';

/** The documented example (docs/experiments.md): every section set, so mutations reach them all. */
const docYaml = /```yaml\n([\s\S]*?)```/.exec(
  readFileSync(fileURLToPath(new URL('../../../docs/experiments.md', import.meta.url)), 'utf8'),
)?.[1] as string;
const docObject: unknown = parse(docYaml);

const dir = mkdtempSync(join(tmpdir(), 'faultline-experiment-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An experiment, or an ExperimentValidationError (exit 2) with a message; anything else throws. */
function outcome(text: string, file: string): 'valid' | 'invalid' {
  try {
    parseExperimentText(text, file);
    return 'valid';
  } catch (err) {
    if (!(err instanceof ExperimentValidationError)) throw err;
    expect(err.exitCode).toBe(2);
    expect(err.issues.length).toBeGreaterThan(0);
    expect(err.message.startsWith(file)).toBe(true);
    return 'invalid';
  }
}

describe('experiment-file parser under fuzzing (fast-check, seeded)', () => {
  it('the documented example is valid (the mutations start from a real experiment)', () => {
    expect(outcome(docYaml, 'doc.yaml')).toBe('valid');
  });

  it('random text, as YAML and as JSON: an experiment or a validation error, never another error', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 })),
        (text) => {
          outcome(text, 'random.yaml');
          outcome(text, 'random.json');
        },
      ),
      fuzzParams(300),
    );
  });

  it('random JSON values as documents', () => {
    fc.assert(
      fc.property(edgeValue, (value) => {
        outcome(JSON.stringify(value) ?? '', 'value.json');
      }),
      fuzzParams(200),
    );
  });

  it('mutations of the documented example: valid, or an issue with its path', () => {
    let invalid = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const doc = mutate(docObject, mutations);
        if (outcome(stringify(doc) ?? '', 'mutated.yaml') === 'invalid') invalid++;
        outcome(JSON.stringify(doc) ?? '', 'mutated.json');
      }),
      fuzzParams(300),
    );
    expect(invalid).toBeGreaterThan(100);
  });

  it('character-level damage to the example text (YAML anchors, aliases, tags, indentation)', () => {
    fc.assert(
      fc.property(textDamage, (edits) => {
        outcome(damage(docYaml, edits), 'damaged.yaml');
      }),
      fuzzParams(300),
    );
  });

  it('a YAML alias bomb is a validation error, not a crash or a hang', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      lines.push(
        `${name}: &${name} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    }
    expect(outcome(`${lines.join('\n')}\ntitle: *i\n`, 'bomb.yaml')).toBe('invalid');
  });

  it('`faultline experiment validate <damaged file>`: exit 0 or 2, never a stack trace', async () => {
    const samples = fc.sample(textDamage, { seed: 14, numRuns: 20 });
    for (const [i, edits] of samples.entries()) {
      const file = join(dir, `cli-${i}.yaml`);
      const text = damage(docYaml, edits);
      writeFileSync(file, text);
      let stderr = '';
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stderr += chunk.toString();
        return true;
      });
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      let code: number;
      try {
        code = await main(['experiment', 'validate', file]);
      } finally {
        spy.mockRestore();
        out.mockRestore();
      }
      expect(code).toBe(outcome(text, file) === 'valid' ? 0 : 2);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });
});
