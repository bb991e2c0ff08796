import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderJsonReport } from '../../src/report/json.js';
import { reportJsonSchema } from '../../src/report/report-json-schema.js';
import { runReportSchema } from '../../src/runner/run-report.js';
import { sampleReport } from './sample-report.js';

const FILE = fileURLToPath(new URL('../../docs/report.schema.json', import.meta.url));

describe('JSON report', () => {
  it('round-trips through its schema, with the fields jq users read', () => {
    const text = renderJsonReport(sampleReport());
    const parsed = runReportSchema.parse(JSON.parse(text));
    expect(parsed).toEqual(sampleReport());
    const raw = JSON.parse(text) as {
      results: Array<Record<string, unknown>>;
      summary: Record<string, unknown>;
    };
    expect(raw.results.map((r) => ({ name: r.name, status: r.status }))).toEqual([
      { name: 'kills_<service>', status: 'passed' },
      { name: 'slow', status: 'failed' },
      { name: 'boom', status: 'error' },
      { name: 'etcd', status: 'skipped' },
      { name: 'later', status: 'not_run' },
    ]);
    for (const key of [
      'id',
      'name',
      'category',
      'status',
      'duration_ms',
      'hypothesis',
      'metrics',
      'journal',
    ]) {
      expect(raw.results[0]).toHaveProperty(key);
    }
    expect(raw.summary).toMatchObject({ total: 5, passed: 1, failed: 1, skipped: 1, error: 1, not_run: 1 });
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('docs/report.schema.json is generated from the zod schema (UPDATE_REPORT_SCHEMA=1 rewrites it)', () => {
    const generated = `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_REPORT_SCHEMA === '1') writeFileSync(FILE, generated);
    expect(readFileSync(FILE, 'utf8')).toBe(generated);
  });
});
