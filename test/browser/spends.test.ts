// A spend in the browser: on a funded vault (the spends tests' fixture), an approver approves the
// proposal through the form, bound to the digest the page shows; the page is screenshot for the
// README. Same bar as every browser test: no off-host request, no console error, no CSP
// violation, no serious or critical axe finding.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpendsApp, type SpendsApp } from '../integration/spends/fixture.js';
import { chromiumAvailable, launch, offHost, seriousViolations, watch } from './browser.js';

const available = chromiumAvailable();
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : '.tmp/screenshots';

describe.skipIf(!available)('a spend in a real browser', () => {
  let t: SpendsApp;
  let server: ServerType;
  let base: string;
  let browser: Browser;
  let id: string;
  let digest: string;

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

  it('an approver approves the spend through the form', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const w = await watch(context, page);
    await page.goto(`${base}/console/login`);
    await page.fill('#key', t.approvers[0]!);
    await Promise.all([page.waitForURL(`${base}/console`), page.click('button[type=submit]')]);
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
});
