/**
 * The status page (docs/ui.md) in a real headless Chromium, during a real run on the embedded stack: one image's
 * `predict` step exits 3. The page polls the JSON API in real time while the test moves the virtual clock.
 */
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { AciStepSpec } from '../../../packages/emulators/aci/options';
import { CONTENT_SECURITY_POLICY } from '../../../src/api/ui-assets';
import { aPipeline, type E2E, startE2E, uploadImages } from '../support/harness';

const FAILING_GROUP = /b-tif.*predict/;
const TERMINAL = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'];
/** docs/images/run-page.png is refreshed only on request (it is committed); otherwise it goes to the state folder. */
const docsScreenshot = join(__dirname, '..', '..', '..', 'docs', 'images', 'run-page.png');
const screenshotPath = () =>
  process.env.UPDATE_UI_SCREENSHOT ? docsScreenshot : join(e2e.stateDir, 'run-page.png');

function simulate(spec: AciStepSpec) {
  if (spec.container !== 'step') return { durationMs: 1000, exitCode: 0 };
  if (FAILING_GROUP.test(spec.group))
    return { durationMs: 4000, exitCode: 3, logs: 'predict: no model weights for b.tif\n' };
  return { durationMs: 8000, exitCode: 0, logs: `${spec.command.join(' ')}: done\n` };
}

let e2e: E2E;
let browser: Browser;
beforeAll(async () => {
  e2e = await startE2E({ aci: { simulate } });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await e2e?.stop();
});

/** Evaluates a script in the page (a string: the test program has no DOM types). */
const inPage = <T = unknown>(page: Page, expression: string): Promise<T> => page.evaluate<T>(expression);

/** Presses Tab (at most `max` times) until the element with `id` has the keyboard focus. */
async function tabTo(page: Page, id: string, max = 20): Promise<number> {
  for (let presses = 1; presses <= max; presses += 1) {
    await page.keyboard.press('Tab');
    if ((await inPage<string>(page, 'document.activeElement?.id')) === id) return presses;
  }
  throw new Error(`Tab did not reach #${id} in ${max} presses`);
}

test('the run page follows a run live: grid, exit code, logs, cancel dialog; the runs list filters', async () => {
  await uploadImages(e2e, ['ui/a.tif', 'ui/b.tif']);
  const retriesOff = (aPipeline().steps as Record<string, unknown>[]).map((s) => ({ ...s, retries: 0 }));
  const pipeline = aPipeline({
    name: 'ui',
    inputs: { container: 'images', prefix: 'ui/' },
    steps: retriesOff,
    toleratedFailurePercent: 50,
  });
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  expect(started.status).toBe(202);
  const { runId } = started.body;

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) problems.push(message.text());
  });
  await page.goto(`${e2e.host.url}/api/ui/runs/${runId}`);

  // The key: asked once, reached by keyboard, a wrong one is refused, the right one is kept for the tab.
  await page.locator('#key-panel').waitFor({ state: 'visible', timeout: 10_000 });
  expect(await inPage(page, 'document.activeElement?.id')).toBe('key-input');
  await inPage(page, 'document.activeElement.blur()');
  await tabTo(page, 'key-input', 10);
  await page.keyboard.type('not-the-key');
  await page.keyboard.press('Enter');
  await page.locator('#key-error', { hasText: 'refused' }).waitFor({ timeout: 10_000 });
  await page.locator('#key-input').fill(e2e.host.keys.default);
  await page.keyboard.press('Enter');
  await page.locator('#run-view').waitFor({ state: 'visible', timeout: 10_000 });
  expect(page.url()).not.toContain(e2e.host.keys.default);
  expect(await inPage(page, "sessionStorage.getItem('flotilla.functionKey')")).toBe(e2e.host.keys.default);

  // A cell seen in a non-terminal state, before the clock moves.
  const cell = (image: string, step: string) =>
    page.locator(`#grid tbody tr[data-image="${image}"] td[data-step="${step}"]`);
  await cell('ui/a.tif', 'tile').waitFor({ timeout: 20_000 });
  expect(['waiting', 'running']).toContain(await cell('ui/a.tif', 'tile').getAttribute('data-state'));
  await inPage(page, 'window.sameDocument = true');

  // Keyboard: Tab reaches the cancel button (visible focus); the dialog opens and Escape keeps the run going.
  await page.locator('#main').focus();
  await tabTo(page, 'cancel-run');
  expect(await inPage(page, "document.activeElement.matches(':focus-visible')")).toBe(true);
  await page.keyboard.press('Enter');
  await page.locator('#confirm[open]').waitFor({ timeout: 5000 });
  await page.keyboard.press('Escape');
  await page.locator('#confirm').waitFor({ state: 'hidden', timeout: 5000 });

  // Live: the same cell turns terminal without a reload, then the whole run ends.
  await e2e.until(async () => (await cell('ui/a.tif', 'tile').getAttribute('data-state')) === 'succeeded', {
    stepMs: 1000,
  });
  const runState = page.locator('#run-summary [data-state]').first();
  await e2e.until(async () => TERMINAL.includes((await runState.getAttribute('data-state')) ?? ''), {
    stepMs: 2000,
  });
  expect(await runState.getAttribute('data-state')).toBe('partially_succeeded');
  expect(await inPage(page, 'window.sameDocument')).toBe(true);
  await page
    .locator('#live', { hasText: 'partially succeeded' })
    .waitFor({ state: 'attached', timeout: 5000 });

  // One row per image, one column per step; the failed step shows its exit code; cancel is now disabled.
  expect(await page.locator('#grid tbody tr').count()).toBe(2);
  expect(await page.locator('#grid thead th').allTextContents()).toEqual([
    'Image',
    'tile',
    'predict',
    'vectorize',
  ]);
  expect(await cell('ui/b.tif', 'predict').getAttribute('data-state')).toBe('failed');
  expect(await cell('ui/b.tif', 'predict').textContent()).toContain('exit code 3');
  expect(await cell('ui/b.tif', 'vectorize').getAttribute('data-state')).toBe('skipped');
  expect(await cell('ui/a.tif', 'vectorize').textContent()).toContain('exit code 0');
  expect(await page.locator('#cancel-run').isDisabled()).toBe(true);
  // The server lists POST /api/runs/{id}/rerun in its OpenAPI document: the page offers the rerun.
  expect(await page.locator('#rerun-run').getAttribute('aria-disabled')).not.toBe('true');
  expect(await page.locator('#rerun-run').getAttribute('title')).toBeNull();
  // Five bars: the skipped step never ran, so it has no times.
  expect(await page.locator('#timeline li').count()).toBe(5);

  // The failed step's logs, rendered from the logs API, with its outputs prefix from the manifest.
  await cell('ui/b.tif', 'predict')
    .getByRole('button', { name: /logs of predict/ })
    .click();
  await page
    .locator('#logs-body pre', { hasText: 'no model weights for b.tif' })
    .waitFor({ timeout: 10_000 });
  expect(await page.locator('#logs-body').textContent()).toContain(`${runId}/`);
  await inPage(page, 'document.activeElement?.blur(); window.scrollTo(0, 0)');
  const png = await page.screenshot({ path: screenshotPath() });
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 800]); // the PNG header's size

  // A narrow window: the page does not overflow, the grid scrolls inside its own box.
  await page.setViewportSize({ width: 400, height: 800 });
  const widths = await inPage<{ page: number; window: number; grid: number; box: number }>(
    page,
    `({ page: document.documentElement.scrollWidth, window: window.innerWidth,
        grid: document.getElementById('grid-scroll').scrollWidth,
        box: document.getElementById('grid-scroll').clientWidth })`,
  );
  expect(widths.page).toBeLessThanOrEqual(widths.window);
  expect(widths.grid).toBeGreaterThan(widths.box);
  await page.setViewportSize({ width: 1280, height: 800 });

  // The runs list (the key is still in the tab's session): the run with its counts; the status filter.
  await page.goto(`${e2e.host.url}/api/ui`);
  const row = page.locator(`#runs-table tr[data-run="${runId}"]`);
  await row.locator('.counts', { hasText: '1 succeeded, 1 failed' }).waitFor({ timeout: 10_000 });
  expect(await row.locator('[data-state]').getAttribute('data-state')).toBe('partially_succeeded');
  await page.locator('#filter-status').selectOption('running');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.locator('#runs-message', { hasText: 'No runs match.' }).waitFor({ timeout: 10_000 });
  expect(await row.count()).toBe(0);
  expect(page.url()).toContain('status=running');
  await page.locator('#filter-status').selectOption('partially_succeeded');
  await page.getByRole('button', { name: 'Apply' }).click();
  await row.waitFor({ timeout: 10_000 });
  expect(problems).toEqual([]);
  await page.close();
}, 240_000);

test('the shell routes answer with the CSP and no outside URL; the data routes still refuse a keyless call', async () => {
  const shell = await e2e.host.fetch('/api/ui/runs/r-anything');
  expect(shell.status).toBe(200);
  expect(shell.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(shell.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  expect(shell.headers.get('cache-control')).toBe('no-cache');
  const html = await shell.text();
  expect((await (await e2e.host.fetch('/api/ui')).text()) === html).toBe(true);
  const assets = [...html.matchAll(/(?:src|href)="(\/api\/ui\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
  expect(assets.map((a) => a.replace(/\?v=[0-9a-f]{12}$/, ''))).toEqual([
    '/api/ui/assets/ui.css',
    '/api/ui/assets/ui.js',
  ]);
  const texts = [html];
  for (const asset of assets) {
    const response = await e2e.host.fetch(asset);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/(css|javascript); charset=utf-8$/);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    texts.push(await response.text());
  }
  for (const text of texts) expect(text).not.toMatch(/https?:\/\//);
  expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/); // no inline script
  expect(html).not.toMatch(/\sstyle=|<style/); // no inline style
  const stale = await e2e.host.fetch('/api/ui/assets/ui.js?v=000000000000');
  expect(stale.headers.get('cache-control')).toBe('no-cache');
  const missing = await e2e.host.fetch('/api/ui/assets/secrets.json');
  expect(missing.status).toBe(404);
  expect(await missing.json()).toMatchObject({ error: { code: 'asset_not_found' } });

  for (const [name, params] of [
    ['listRuns', {}],
    ['getRun', { id: 'r-0123456789abcdef0123' }],
    ['runManifest', { id: 'r-0123456789abcdef0123' }],
    ['runLogs', { id: 'r-0123456789abcdef0123' }],
    ['cancelRun', { id: 'r-0123456789abcdef0123' }],
  ] as const) {
    const refused = await e2e.api<{ error: string }>(name, { params, withoutKey: true });
    expect([name, refused.status]).toEqual([name, 401]);
    expect(typeof refused.body.error).toBe('string');
  }
});

test('cancel from the page: confirmed in the dialog, the run ends cancelled and the button is disabled', async () => {
  await uploadImages(e2e, ['uicancel/c.tif']);
  e2e.stack.faults.add({
    service: 'aci',
    operation: 'Run',
    resource: 'c-tif.*/step$',
    kind: 'never-finishes',
  });
  const pipeline = aPipeline({ name: 'uicancel', inputs: { container: 'images', prefix: 'uicancel/' } });
  const started = await e2e.api<{ runId: string }>('startRun', { body: { pipeline } });
  expect(started.status).toBe(202);
  const { runId } = started.body;
  // A new context: a fresh sessionStorage, so the page asks for the key again.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${e2e.host.url}/api/ui/runs/${runId}`);
  await page.locator('#key-input').fill(e2e.host.keys.default);
  await page.keyboard.press('Enter');
  const tile = page.locator('#grid tbody tr[data-image="uicancel/c.tif"] td[data-step="tile"]');
  await e2e.until(async () => (await tile.getAttribute('data-state').catch(() => null)) === 'running', {
    stepMs: 1000,
  });
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('#confirm[open]', { hasText: runId }).waitFor({ timeout: 5000 });
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.locator('#run-message', { hasText: 'Cancel requested' }).waitFor({ timeout: 10_000 });
  const runState = page.locator('#run-summary [data-state]').first();
  await e2e.until(async () => (await runState.getAttribute('data-state')) === 'cancelled', { stepMs: 2000 });
  expect(await tile.getAttribute('data-state')).toBe('cancelled');
  expect(await page.locator('#cancel-run').isDisabled()).toBe(true);
  // The outcome of the action outlives the polls that followed it.
  expect(await page.locator('#run-message').textContent()).toMatch(
    /^Cancel requested \(\d+ steps? signalled\)\.$/,
  );
  await e2e.until(() => e2e.stack.aci.resources().length === 0, { stepMs: 1000 }); // torn down
  await context.close();
  e2e.stack.faults.clear();
}, 120_000);
