import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One fenced TypeScript sample of a Markdown file. */
export interface DocSample {
  /** The Markdown file, relative to the repository (`docs/policies.md`). */
  readonly doc: string;
  /** 1-based line of the sample's first code line in the doc. */
  readonly line: number;
  readonly code: string;
}

/** Fences whose info string starts with `ts` or `typescript`; `no-check` in it opts a fragment out. */
const FENCE = /^```(ts|typescript)\b(.*)$/;

/** Every ```ts / ```typescript sample of README.md and docs/*.md, fragments marked `no-check` left out. */
export function docSamples(repo: string): DocSample[] {
  const docs = [
    'README.md',
    ...readdirSync(join(repo, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const samples: DocSample[] = [];
  for (const doc of docs.sort()) {
    const lines = readFileSync(join(repo, doc), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = FENCE.exec(lines[i] ?? '');
      if (!open) continue;
      const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
      if (end < 0) throw new Error(`${doc}:${i + 1}: unclosed code fence`);
      if (!/\bno-check\b/.test(open[2] ?? '')) {
        samples.push({ doc, line: i + 2, code: lines.slice(i + 1, end).join('\n') });
      }
      i = end;
    }
  }
  return samples;
}

/** The file name a sample is written to, from which `docLocation` recovers doc and line. */
export function sampleFileName(sample: DocSample): string {
  return `${sample.doc.replace(/[/.]/g, '_')}__L${sample.line}.ts`;
}

/** Maps a tsc diagnostic's `file(line,col)` in a sample file back to `doc:line:col`. */
export function docLocation(samples: readonly DocSample[], diagnostic: string): string {
  return diagnostic.replace(
    /(?:^|\/)([\w-]+__L\d+\.ts)\((\d+),(\d+)\)/,
    (whole, file: string, line: string, col: string) => {
      const sample = samples.find((s) => sampleFileName(s) === file);
      return sample ? `${sample.doc}:${sample.line + Number(line) - 1}:${col}` : whole;
    },
  );
}
