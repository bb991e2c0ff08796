import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport, writeHtmlReport } from '../../src/report/html.js';
import { niceCeil, renderTimelineChart } from '../../src/report/timeline-chart.js';
import { sampleJournal } from './fixtures.js';
import { sampleReport } from './sample-report.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

describe('HTML report (as text)', () => {
  const html = renderHtmlReport(sampleReport());

  it('is self-contained: no scripts, no external resources', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(/i);
    // The only URLs are SVG namespace identifiers, which are never fetched.
    for (const url of html.match(/https?:\/\/[^"'\s)]+/g) ?? [])
      expect(url).toBe('http://www.w3.org/2000/svg');
  });

  it('has the summary, a score per category and every scenario with its reason', () => {
    expect(html).toContain('resilience score');
    for (const category of ['service', 'latency', 'cache', 'database'])
      expect(html).toContain(`${category} score`);
    expect(html).toContain('kills_&lt;service&gt;');
    expect(html).not.toContain('kills_<service>');
    expect(html).toContain('threw boom &amp; bust');
    expect(html).toContain('apt-get install -y etcd-server');
    expect(html).toContain('stopped after 5 failed scenarios');
    expect(html).toContain(
      '<td>service-a</td><td class="num">4242</td><td class="num">37.5 %</td><td class="num">61.2 MB</td>',
    );
  });

  it('charts rps, error rate and p99 with shaded fault windows and the recovery mark', () => {
    const svg = renderTimelineChart(sampleJournal());
    expect(svg.match(/<path class="series"/g)).toHaveLength(3);
    expect(svg).toMatch(/<rect class="fault" x="[\d.]+"/);
    expect(svg).toMatch(/<line class="recovery"/);
    expect(svg).toContain('recovered +0.8 s');
    // fault window 3 s..6 s of a 10 s axis on an 800 px wide plot starting at 64 px
    expect(svg).toContain('<rect class="fault" x="304" ');
    expect(
      renderTimelineChart({ ...sampleJournal(), metrics: { load: null, targets: [], custom: {} } }),
    ).toBe('');
  });

  it('rounds axes to 1, 2, 2.5, 5 × 10^k', () => {
    expect([niceCeil(0), niceCeil(7), niceCeil(11), niceCeil(230), niceCeil(260), niceCeil(0.03)]).toEqual([
      1, 10, 20, 250, 500, 0.05,
    ]);
  });
});

describe.skipIf(!existsSync(CHROMIUM))(
  `HTML report in headless Chromium (${CHROMIUM})`,
  { timeout: 60_000 },
  () => {
    let browser: Browser;
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'faultline-html-'));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('renders the charts (SVG paths of non-zero size) without any network request', async () => {
      const file = await writeHtmlReport(join(dir, 'report.html'), sampleReport());
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const external: string[] = [];
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        external.push(url);
        return route.abort();
      });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(pathToFileURL(file).href);

      const charts = await page.$$eval('svg.timeline', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const paths = [...svg.querySelectorAll('path.series')].map((p) => {
            const b = (
              p as unknown as { getBBox(): { width: number; height: number }; getTotalLength(): number }
            ).getBBox();
            return {
              length: (
                p as unknown as { getBBox(): { width: number; height: number }; getTotalLength(): number }
              ).getTotalLength(),
              width: b.width,
              height: b.height,
            };
          });
          const faults = [...svg.querySelectorAll('rect.fault')].map(
            (r) => (r as unknown as { getBBox(): { width: number; height: number } }).getBBox().width,
          );
          return {
            width: box.width,
            height: box.height,
            paths,
            faults,
            recovery: svg.querySelectorAll('line.recovery').length,
          };
        }),
      );
      // Two scenarios ran with a load timeline (passed and failed).
      expect(charts).toHaveLength(2);
      for (const chart of charts) {
        expect(chart.width).toBeGreaterThan(300);
        expect(chart.height).toBeGreaterThan(150);
        expect(chart.paths).toHaveLength(3);
        for (const p of chart.paths) {
          expect(p.length).toBeGreaterThan(100);
          expect(p.width).toBeGreaterThan(300);
        }
        expect(chart.faults).toHaveLength(1);
        expect(chart.faults[0]).toBeGreaterThan(50);
        expect(chart.recovery).toBe(1);
      }
      const gauge = await page.$eval('svg.gauge', (svg) => svg.getBoundingClientRect().width);
      expect(gauge).toBeGreaterThan(50);
      const bars = await page.$$eval('svg.bar', (svgs) => svgs.length);
      expect(bars).toBe(4);

      const shot = join(process.env.FAULTLINE_SCREENSHOT_DIR ?? dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(existsSync(shot)).toBe(true);
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
      await page.close();
    });
  },
);
