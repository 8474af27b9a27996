// A spend in the browser: on a funded vault (the spends tests' fixture), an approver approves the
// proposal through the form, bound to the digest the page shows; the page is screenshot for the
// README. On a 3-of-5 vault with a one-hour delay, signers download the PSBT through the page,
// sign it outside the browser (bitcoinjs-lib for two cosigners, @scure/btc-signer for another, one
// file saved as base64 text) and upload each file through the page's file input, the counts on
// the page moving with the API's; the officer's broadcast form is refused during the delay and
// accepted after it (the clock moved as the integration test moves it: vitest's fake Date, which
// the in-process server reads). Same bar as every browser test: no off-host request, no console
// error, no CSP violation, no serious or critical axe finding.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSpendsApp, EXTERNAL, SIGNERS, type SpendsApp } from '../integration/spends/fixture.js';
import { signWithBitcoinjs, signWithScure } from '../unit/spends/fixtures.js';
import { chromiumAvailable, launch, offHost, seriousViolations, type Watch, watch } from './browser.js';

const available = chromiumAvailable();
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : '.tmp/screenshots';

describe.skipIf(!available)('a spend in a real browser', () => {
  let t: SpendsApp;
  let server: ServerType;
  let base: string;
  let browser: Browser;
  let id: string;
  let digest: string;
  let five: string;

  beforeAll(async () => {
    t = await createSpendsApp();
    await t.mine(1);
    const site = await t.request('POST', '/v1/sites', {
      body: {
        id: 'dam-1',
        name: 'Dam 1',
        region: 'test',
        energy_source: 'hydro',
        pool: { kind: 'solo' },
        energy_supplier: 'grid',
      },
    });
    expect([201, 409]).toContain(site.status);
    await t.fund('regtest-warm', [400_000_000n, 120_000_000n]);
    const p = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: {
        policy_id: 'regtest-warm',
        outputs: [{ policy_id: 'regtest-cold', amount_btc: '4.5', label: 'to cold storage' }],
        fee_rate_sat_vb: 5,
        purpose: 'rebalance to cold',
      },
    });
    expect(p.status, p.text).toBe(201);
    id = p.json.id;
    digest = p.json.digest;
    // The 3-of-5 vault (two approvals, a one-hour delay), approved through the API.
    await t.fund('regtest-five', [300_000_000n]);
    const q = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: {
        policy_id: 'regtest-five',
        outputs: [{ address: EXTERNAL, amount_btc: '1.5', label: 'to the payee' }],
        fee_rate_sat_vb: 5,
        purpose: 'a payment',
      },
    });
    expect(q.status, q.text).toBe(201);
    five = q.json.id;
    for (const key of [t.approvers[1]!, t.approvers[2]!]) {
      const r = await t.request('POST', `/v1/spends/${five}/approvals`, {
        key,
        body: { decision: 'approve', digest: q.json.digest },
      });
      expect(r.status, r.text).toBe(200);
    }
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launch();
    mkdirSync(SHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await t?.close();
  });

  /** A fresh browser context signed in with `key` through the form, on the overview. */
  async function signIn(key: string) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const w = await watch(context, page);
    await page.goto(`${base}/console/login`);
    await page.fill('#key', key);
    await Promise.all([page.waitForURL(`${base}/console`), page.click('button[type=submit]')]);
    return { context, page, w };
  }

  /** Clicks a form's button and waits for the page it lands on; the answer to the POST or, after a 303, the page's. */
  async function submit(page: Page, button: string) {
    const [res] = await Promise.all([page.waitForNavigation(), page.click(button)]);
    return res!;
  }

  const apiSpend = async (spendId: string) =>
    (await t.request('GET', `/v1/spends/${spendId}`, { key: t.keys.auditor })).json;
  /** The spend page's "input i: n/m" lines, as n/m. */
  const shownCounts = async (page: Page) =>
    [...(await page.content()).matchAll(/input (\d+): (\d+)\/(\d+)/g)].map((m) => `${m[2]}/${m[3]}`);
  const apiCounts = (spend: { signatures: { signed_by: string[]; required: number }[] }) =>
    spend.signatures.map((s) => `${s.signed_by.length}/${s.required}`);

  async function holdsTheBar(page: Page, w: Watch) {
    expect(await w.cspViolations()).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
  }

  it('an approver approves the spend through the form', async () => {
    const { context, page, w } = await signIn(t.approvers[0]!);
    await page.goto(`${base}/console/spends`);
    expect(await seriousViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(`${base}/console/spends/${id}`), page.click(`a[href="/console/spends/${id}"]`)]);
    expect(await page.locator('#digest').textContent()).toContain(digest);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/spend.png`, fullPage: true });
    await page.fill('input[name=comment]', 'checked the destination against the cold vault descriptor');
    await Promise.all([
      page.waitForURL(`${base}/console/spends/${id}`),
      page.click('form.approve button[value=approve]'),
    ]);
    const spend = (await t.request('GET', `/v1/spends/${id}`, { key: t.keys.auditor })).json;
    expect(spend.approvals).toEqual([
      expect.objectContaining({
        decision: 'approve',
        comment: 'checked the destination against the cold vault descriptor',
      }),
    ]);
    expect(await page.locator('form.approve').count()).toBe(0); // one decision per key
    expect(await page.evaluate('window.__csp')).toEqual([]);
    expect(offHost(w.requests)).toEqual([]);
    expect(w.consoleErrors).toEqual([]);
    await context.close();
  }, 120_000);

  it('signers download the PSBT through the page, sign it outside the browser and upload each file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reserve-browser-psbt-'));
    const signers = SIGNERS['regtest-five']!;
    // Two cosigners on an approver's key, the third on an officer's: both roles may upload.
    const steps = [
      { key: t.approvers[1]!, name: 'signer1.psbt', sign: (b: Uint8Array) => signWithBitcoinjs(b, signers[0]!) },
      {
        key: t.approvers[1]!,
        name: 'signer4.txt', // @scure/btc-signer's PSBT, saved as base64 text as some devices do
        sign: (b: Uint8Array) =>
          new TextEncoder().encode(Buffer.from(signWithScure(b, signers[3]!)).toString('base64')),
      },
      { key: t.keys.officer, name: 'signer5.psbt', sign: (b: Uint8Array) => signWithBitcoinjs(b, signers[4]!) },
    ];
    let session: Awaited<ReturnType<typeof signIn>> | undefined;
    for (const [n, step] of steps.entries()) {
      if (n === 0 || steps[n - 1]!.key !== step.key) {
        await session?.context.close();
        session = await signIn(step.key);
      }
      const { page, w } = session!;
      await page.goto(`${base}/console/spends/${five}`);
      expect(await shownCounts(page)).toEqual(apiCounts(await apiSpend(five)));
      expect(await shownCounts(page)).toEqual([`${n}/3`]);
      await holdsTheBar(page, w);
      // The file the page's link downloads is the API's PSBT.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[download]')]);
      const unsigned = readFileSync((await download.path())!);
      expect(new Uint8Array(unsigned)).toEqual(new Uint8Array(await t.psbtOf(five)));
      const file = join(dir, step.name);
      writeFileSync(file, step.sign(new Uint8Array(unsigned)));
      await page.setInputFiles('form.upload input[type=file]', file);
      const res = await submit(page, 'form.upload button[type=submit]');
      expect(res.status()).toBe(200);
      expect(page.url()).toBe(`${base}/console/spends/${five}`);
      const spend = await apiSpend(five);
      expect(spend.signatures.map((s: { signed_by: string[] }) => s.signed_by.length)).toEqual([n + 1]);
      expect(await shownCounts(page)).toEqual(apiCounts(spend));
      // The queue's "signed inputs" column says the same.
      await page.goto(`${base}/console/spends`);
      const row = page.locator('#spends tbody tr', { has: page.locator(`a[href="/console/spends/${five}"]`) });
      const signed = spend.signatures.filter(
        (s: { signed_by: string[]; required: number }) => s.signed_by.length >= s.required,
      );
      expect(await row.locator('td').nth(5).textContent()).toBe(`${signed.length}/${spend.signatures.length}`);
      await holdsTheBar(page, w);
      expect(offHost(w.requests)).toEqual([]);
      expect(w.consoleErrors).toEqual([]);
    }
    await session?.context.close();
    expect((await apiSpend(five)).state).toBe('signed');
  }, 180_000);

  it('the officer’s broadcast form is refused during the delay and accepted after it', async () => {
    const early = await signIn(t.keys.officer);
    await early.page.goto(`${base}/console/spends/${five}`);
    await holdsTheBar(early.page, early.w);
    const refused = await submit(early.page, 'form[action$="/broadcast"] button[type=submit]');
    expect(refused.status()).toBe(409);
    expect(await early.page.locator('main').textContent()).toContain('delay');
    await holdsTheBar(early.page, early.w);
    expect((await apiSpend(five)).state).toBe('signed');
    expect(offHost(early.w.requests)).toEqual([]);
    // Chromium reports the refused document's status as a console error: that one, and nothing else.
    expect(early.w.consoleErrors).toEqual([
      `${base}/console/spends/${five}/broadcast: Failed to load resource: the server responded with a status of 409 (Conflict)`,
    ]);
    await early.context.close();

    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.parse((await apiSpend(five)).broadcast_allowed_at) + 60_000);
      const { context, page, w } = await signIn(t.keys.officer); // the first session has gone idle meanwhile
      await page.goto(`${base}/console/spends/${five}`);
      const res = await submit(page, 'form[action$="/broadcast"] button[type=submit]');
      expect(res.status()).toBe(200);
      expect(page.url()).toBe(`${base}/console/spends/${five}`);
      const spend = await apiSpend(five);
      expect(spend.state).toBe('broadcast');
      expect(await page.locator('main > p').first().textContent()).toMatch(/^broadcast: /);
      const tx = await t.request('GET', `/v1/spends/${five}/transaction`, { key: t.keys.officer });
      expect(tx.json.txid).toBe(spend.txid);
      expect(await page.locator('form[action$="/broadcast"]').count()).toBe(0);
      await holdsTheBar(page, w);
      expect(offHost(w.requests)).toEqual([]);
      expect(w.consoleErrors).toEqual([]);
      await context.close();
    } finally {
      vi.useRealTimers();
    }
  }, 180_000);
});
