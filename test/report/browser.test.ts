// The HTML report in a real browser: Debian's Chromium (installed by .ci/run; no npm package downloads a browser),
// driven by playwright-core. The report of a run and of a sweep: no console errors, every chart present with a
// non-empty drawing, a screenshot with real content, and the comparison table's cells equal to the Markdown twin's.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { writeReport } from '../../src/report/index.js';
import { makeRuns } from './fixtures.js';

const CANDIDATES = [process.env.HARDNEG_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));
const exe = CANDIDATES.find((p) => existsSync(p));
// Outside CI a machine without Chromium skips; in CI a missing browser is a failure (.ci/run installs it).
const skip = !exe && !process.env.CI ? 'no Chromium here (apt install chromium, or set HARDNEG_CHROMIUM)' : false;

let runs: Awaited<ReturnType<typeof makeRuns>>;
let browser: Browser;
before(async () => {
  if (skip) return;
  assert.ok(exe, `no Chromium at ${CANDIDATES.join(', ')}: .ci/run installs Debian's chromium`);
  runs = await makeRuns();
  browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu'] });
});
after(async () => {
  await browser?.close();
  if (runs) rmSync(runs.root, { recursive: true, force: true });
});

/** Markdown table cells of the table under a heading, row by row. */
function mdTable(md: string, heading: string): string[][] {
  const part = md.split(`## ${heading}`)[1].split('\n## ')[0];
  return part.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'))
    .slice(1).map((l) => l.slice(2, -2).split(' | ').map((c) => c.trim()));
}

for (const which of ['single', 'sweep'] as const) {
  test(`the ${which === 'single' ? 'run' : 'sweep'} report in headless Chromium: no console errors, every chart drawn, a non-blank screenshot, the twin's numbers`, { skip }, async () => {
    const f = await writeReport(which === 'single' ? runs.single : runs.sweep);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(pathToFileURL(f.html).href, { waitUntil: 'load' });
    const figs = await page.$$eval('figure[data-chart]', (els) => els.map((el) => {
      const svg = el.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      const marks = svg ? [...svg.querySelectorAll('path')].filter((p) => (p.getAttribute('d') ?? '').length > 10 && p.getBoundingClientRect().width > 0).length : 0;
      return { id: el.getAttribute('data-chart'), w: box?.width ?? 0, h: box?.height ?? 0, marks };
    }));
    assert.ok(figs.length >= 6, `charts: ${figs.map((x) => x.id).join(', ')}`);
    for (const c of figs) assert.ok(c.w > 100 && c.h > 100 && c.marks > 0, `chart ${c.id} drawn: ${JSON.stringify(c)}`);
    if (which === 'sweep') assert.ok(figs.some((c) => c.id === 'sensitivity-sampler-m'));
    if (which === 'single') assert.ok(figs.some((c) => c.id === 'test-recall-20'), 'testCurve gives a test curve');
    // Non-blank: the screenshot decoded in the page, share of pixels that are neither white nor near-white.
    const png = await page.screenshot({ fullPage: true });
    // (A string: this file is compiled without the DOM library; the function runs in the page.)
    const inked = await page.evaluate(`(async (b64) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + b64;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const px = g.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200) ink++;
      return ink / (px.length / 4);
    })(${JSON.stringify(png.toString('base64'))})`) as number;
    assert.ok(inked > 0.01, `the screenshot has content (${(inked * 100).toFixed(2)}% inked pixels)`);
    const cells = await page.$$eval('table[data-table="comparison"] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const md = readFileSync(f.markdown, 'utf8');
    assert.deepEqual(cells, mdTable(md, 'Test metrics at the best validation epoch (mean ± std over seeds)'));
    assert.deepEqual(errors, []);
    await page.close();
  });
}
