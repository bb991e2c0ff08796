import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderJunitReport, writeJunitReport } from '../../src/report/junit.js';
import { sampleReport } from './sample-report.js';

const hasPython =
  spawnSync('python3', ['-c', 'import xml.etree.ElementTree'], { encoding: 'utf8' }).status === 0;

describe('JUnit report', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('has one testsuite per category and one testcase per scenario, with failures, errors and skips', () => {
    const xml = renderJunitReport(sampleReport());
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml).toMatch(/<testsuites name="faultline" tests="5" failures="1" errors="1" skipped="2"/);
    expect(xml.match(/<testsuite /g)).toHaveLength(4);
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    expect(xml).toMatch(/<testsuite name="latency" tests="1" failures="1" errors="0"/);
    expect(xml).toMatch(
      /<failure message="steady state not met during the fault: p &lt;99&gt; = &quot;0.42&quot;" type="deviated">/,
    );
    expect(xml).toMatch(/<error message="threw boom &amp; bust" type="error">/);
    expect(xml).toMatch(
      /<skipped message="needs etcd: etcd not found \(to provide: apt-get install -y etcd-server\)"\/>/,
    );
    expect(xml).toMatch(/<skipped message="not run: stopped after 5 failed scenarios/);
    expect(xml).toContain('classname="faultline.service" name="kills_&lt;service&gt;"');
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    const report = sampleReport();
    const bad = report.results[1];
    if (!bad) throw new Error('fixture');
    bad.reason = 'bad \u0000 byte <x> & "q" \'a\'\nnext';
    const xml = renderJunitReport(report);
    expect(xml).not.toContain('\u0000');
    expect(xml).toContain('bad \uFFFD byte &lt;x&gt; &amp; &quot;q&quot; &apos;a&apos;&#10;next');
  });

  it.skipIf(!hasPython)('is well-formed XML (checked by a real XML parser)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-junit-'));
    const report = sampleReport();
    const first = report.results[0];
    if (first) first.reason = 'weird \u0001\u0007 <&> "\' \ud800 end';
    const file = await writeJunitReport(join(dir, 'sub', 'junit.xml'), report);
    expect(await readFile(file, 'utf8')).toContain('<testsuites');
    const parsed = spawnSync(
      'python3',
      [
        '-c',
        'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print(len(r.findall(".//testcase")))',
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(parsed.stderr).toBe('');
    expect(parsed.stdout.trim()).toBe('5');
  });
});
