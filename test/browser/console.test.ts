// The console in Debian's chromium on the demo year: every role signs in through the form and
// opens every page it may read; the figures on the pages equal the API's; forms without the CSRF
// token and an auditor's hand-made POST are refused; a revoked key's session ends. On every page:
// no request leaves 127.0.0.1, no console error, no CSP violation, no serious or critical axe finding.
// One demo and one browser for the file, started together; the tests run
// concurrently, each in its own browser context, and wait on events, never on fixed sleeps.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/context.js';
import { chromiumAvailable, launch, offHost, seriousViolations, type Watch, watch } from './browser.js';
import { type DemoYearApp, demoYearApp } from './demo.js';

const available = chromiumAvailable();
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : '.tmp/screenshots';

const READER_PAGES = [
  '/console',
  '/console/vaults',
  '/console/vaults/regtest-cold',
  '/console/coins',
  '/console/coins?state=immature',
  '/console/production',
  '/console/reports/holdings',
  '/console/reports/rollforward',
  '/console/reports/proof-of-reserves',
  '/console/spends',
];
const AUDITOR_PAGES = [
  '/console/ledger',
  '/console/ledger/entries/1',
  '/console/ledger/accounts',
  '/console/ledger/trial-balance',
  '/console/audit',
];
const PAGES: Record<Role, string[]> = {
  officer: READER_PAGES,
  approver: READER_PAGES,
  auditor: [...READER_PAGES, ...AUDITOR_PAGES],
  admin: [...READER_PAGES, ...AUDITOR_PAGES],
};

describe.skipIf(!available).concurrent('the console in a real browser, on the demo year', () => {
  let demo: DemoYearApp;
  let server: ServerType;
  let base: string;
  let browser: Browser;
  const open: BrowserContext[] = [];

  beforeAll(async () => {
    [demo, browser] = await Promise.all([demoYearApp(), launch()]);
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: demo.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    mkdirSync(SHOTS, { recursive: true });
  }, 900_000);

  afterAll(async () => {
    for (const c of open) await c.close().catch(() => {});
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await demo?.close();
  });

  const api = async (path: string, role: Role = 'admin', init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${demo.keys[role]}`, ...(init.headers ?? {}) },
    });
    return { status: res.status, json: (res.status === 204 ? null : await res.json()) as any };
  };

  async function signIn(key: string, options: { javaScriptEnabled?: boolean } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    open.push(context);
    const page = await context.newPage();
    const w = await watch(context, page);
    await page.goto(`${base}/console/login`);
    await page.fill('#key', key);
    const [overview] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${base}/console` && r.request().isNavigationRequest()),
      page.waitForURL(`${base}/console`),
      page.click('button[type=submit]'),
    ]);
    expect(overview.status()).toBe(200);
    return { context, page, w };
  }

  /**
   * Opens a page and holds it to the bar: 200, no CSP violation, no serious or critical axe finding.
   * The overview a sign-in lands on (its 200 checked there) is checked where it is, not loaded again.
   */
  async function visit(page: Page, w: Watch, path: string, options: { javaScript?: boolean } = {}) {
    if (page.url() !== `${base}${path}` || path !== '/console') {
      const res = await page.goto(`${base}${path}`);
      expect(res?.status(), path).toBe(200);
    }
    if (options.javaScript === false) return; // the CSP listener and axe are scripts themselves
    expect(await w.cspViolations(), path).toEqual([]);
    expect(await seriousViolations(page), path).toEqual([]);
  }

  function settled(w: Watch) {
    expect(offHost(w.requests)).toEqual([]);
    expect(w.requests.length).toBeGreaterThan(0);
    expect(w.consoleErrors).toEqual([]);
  }

  const shown = (page: Page, selector: string) => page.locator(selector).first().getAttribute('value');

  it.each(['officer', 'approver', 'auditor', 'admin'] as const)(
    'a%s signs in with the form and opens every page its role may read',
    async (role) => {
      const { page, w } = await signIn(demo.keys[role]);
      for (const path of PAGES[role]) await visit(page, w, path);
      // The top bar links only what the role may read.
      const nav = await page.locator('header nav a').allTextContents();
      expect(nav.includes('Ledger')).toBe(role === 'auditor' || role === 'admin');
      expect(nav.includes('Audit log')).toBe(role === 'auditor' || role === 'admin');
      settled(w);
    },
    600_000,
  );

  it('the figures on the pages equal the API answers', async () => {
    const { page, w } = await signIn(demo.keys.auditor);
    await visit(page, w, '/console');
    const holdings = await api('/v1/reports/holdings');
    expect(holdings.status).toBe(200);
    expect(BigInt(holdings.json.total_sat)).toBeGreaterThan(0n);
    expect(await shown(page, '#total-btc data')).toBe(holdings.json.total_btc);
    expect(await shown(page, '#total-value data')).toBe(holdings.json.totals.fair_value);
    // The grouped text says the same number.
    const text = ((await page.locator('#total-btc').textContent()) ?? '').replace(/[\s\u202f]|BTC/g, '');
    expect(text).toBe(holdings.json.total_btc);

    await visit(page, w, '/console/reports/holdings');
    expect(await shown(page, '#holdings-total data')).toBe(holdings.json.total_btc);

    const from = new Date(Date.UTC(new Date().getUTCFullYear() - 1, new Date().getUTCMonth(), 1))
      .toISOString()
      .slice(0, 10);
    const to = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1)).toISOString().slice(0, 10);
    await visit(page, w, `/console/reports/rollforward?from=${from}&to=${to}`);
    const rf = await api(`/v1/reports/rollforward?from=${from}T00:00:00Z&to=${to}T00:00:00Z`);
    expect(rf.status).toBe(200);
    expect(await shown(page, '#rf-closing data')).toBe(rf.json.closing.amount_btc);
    expect(await shown(page, '#rf-additions data')).toBe(rf.json.additions.amount_btc);

    await visit(page, w, '/console/reports/proof-of-reserves');
    const proof = await api('/v1/reports/proof-of-reserves');
    expect(await shown(page, '#proof-total data')).toBe(proof.json.total.amount_btc);

    await visit(page, w, `/console/production?from=${from}&to=${to}`);
    const rec = await api(`/v1/reconciliation?from=${from}&to=${to}&granularity=month`);
    const rows = await page.locator('#reconciliation-table tbody tr').count();
    expect(rows).toBe(rec.json.rows.length);
    const actual = await page
      .locator('#reconciliation-table tbody tr td:nth-child(4) data')
      .evaluateAll((els) =>
        els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('value')),
      );
    expect(actual).toEqual(rec.json.rows.map((r: { actual_btc: string }) => r.actual_btc));
    // The demo's underpaying pool and missing payouts are flagged, with their reasons on the page.
    const flagged = rec.json.rows.filter((r: { flags: unknown[] }) => r.flags.length > 0).length;
    expect(flagged).toBeGreaterThan(0);
    expect(await page.locator('#flags li').count()).toBe(
      rec.json.rows.reduce((n: number, r: { flags: unknown[] }) => n + r.flags.length, 0),
    );
    // The CSV download is the API's CSV.
    const csv = await page.request.get(`${base}/console/production.csv?from=${from}&to=${to}`);
    const apiCsv = await fetch(`${base}/v1/reconciliation?from=${from}&to=${to}&format=csv`, {
      headers: { authorization: `Bearer ${demo.keys.auditor}` },
    });
    expect(await csv.text()).toBe(await apiCsv.text());

    await visit(page, w, '/console/ledger');
    const verify = await api('/v1/ledger/verify');
    expect(await page.locator('#verify code').textContent()).toBe(verify.json.head_hash);
    settled(w);
  }, 600_000);

  it('an officer issues an address through the form; without the CSRF token the form is refused', async () => {
    const { page, w } = await signIn(demo.keys.officer);
    await visit(page, w, '/console/vaults/regtest-warm');
    const refused = await page.request.post(`${base}/console/vaults/regtest-warm/addresses`, {
      form: { label: 'no-token' },
    });
    expect(refused.status()).toBe(403);
    const forged = await page.request.post(`${base}/console/vaults/regtest-warm/addresses`, {
      form: { label: 'bad-token', csrf: 'x'.repeat(43) },
    });
    expect(forged.status()).toBe(403);
    await page.fill('input[name=label]', 'browser-test/pool-a');
    await Promise.all([page.waitForURL(/issued=/), page.click('form.issue button[type=submit]')]);
    const address = await page.locator('#receive-address').textContent();
    expect(await page.locator('img.qr').getAttribute('alt')).toContain(address);
    const listed = await api('/v1/policies/regtest-warm/addresses?limit=40');
    // The demo's spends took warm's first receive address under their spend's label (`spd_...:<n>`).
    const labels = listed.json.items.filter(
      (i: { label: string | null }) => i.label !== null && !i.label.startsWith('spd_'),
    );
    expect(labels.map((i: { label: string }) => i.label)).toEqual(['browser-test/pool-a']);
    expect(labels[0].address).toBe(address);
    expect(await seriousViolations(page)).toEqual([]);
    settled(w);
  }, 600_000);

  it('an auditor sees no action buttons and gets a 403 posting one by hand', async () => {
    const { page, w } = await signIn(demo.keys.auditor);
    await visit(page, w, '/console/vaults/regtest-cold');
    expect(await page.locator('form[method=post]:not([action="/console/logout"])').count()).toBe(0);
    expect(await page.locator('main button[type=submit]').count()).toBe(0);
    const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
    const before = await api('/v1/policies/regtest-cold/addresses?limit=40');
    const res = await page.request.post(`${base}/console/vaults/regtest-cold/addresses`, {
      form: { csrf: csrf!, label: 'auditor-tries' },
    });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('may not issue address');
    expect((await api('/v1/policies/regtest-cold/addresses?limit=40')).json).toEqual(before.json);
    settled(w);
  }, 600_000);

  it("a revoked key's session is signed out at once", async () => {
    const created = await api('/v1/keys', 'admin', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'short-lived officer', role: 'officer' }),
    });
    expect(created.status).toBe(201);
    const { page, w } = await signIn(created.json.secret);
    await visit(page, w, '/console/coins');
    const revoked = await api(`/v1/keys/${created.json.id}`, 'admin', { method: 'DELETE' });
    expect(revoked.status).toBeLessThan(300);
    await page.goto(`${base}/console/coins`);
    expect(page.url()).toBe(`${base}/console/login?reason=revoked`);
    expect(await page.locator('[role=status]').textContent()).toContain('revoked');
    // The cookie is gone too: signing in is the only way back.
    await page.goto(`${base}/console`);
    expect(page.url()).toBe(`${base}/console/login?reason=required`);
    settled(w);
  }, 600_000);

  it('works with JavaScript off: the chart tables are there, only the charts are not', async () => {
    const { page, w } = await signIn(demo.keys.approver, { javaScriptEnabled: false });
    await visit(page, w, '/console/production', { javaScript: false });
    expect(await page.locator('figure[data-chart] table tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('figure[data-chart] canvas').count()).toBe(0);
    settled(w);
  }, 600_000);

  it('draws the charts from their tables and takes the screenshots for the README', async () => {
    const { page, w } = await signIn(demo.keys.auditor);
    await visit(page, w, '/console');
    await page.waitForSelector('figure[data-chart] canvas');
    await page.screenshot({ path: `${SHOTS}/overview.png`, fullPage: true });
    await visit(page, w, '/console/production');
    await page.waitForSelector('figure[data-chart] canvas');
    await page.screenshot({ path: `${SHOTS}/reconciliation.png`, fullPage: true });

    await visit(page, w, '/console/reports/rollforward');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.print-footer').isVisible()).toBe(true);
    expect(await page.locator('header.topbar').isVisible()).toBe(false);
    const head = (await api('/v1/ledger/verify')).json.head_hash;
    expect(await page.locator('.print-footer').textContent()).toContain(head);
    await page.setViewportSize({ width: 794, height: 1123 }); // A4 at 96 dpi
    await page.screenshot({ path: `${SHOTS}/rollforward-print.png`, fullPage: true });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    writeFileSync(`${SHOTS}/rollforward-print.pdf`, pdf);
    settled(w);
  }, 600_000);
});
