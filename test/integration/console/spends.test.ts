// The spend pages on a funded vault: the queue shows who waits on whom, an approver approves
// through the form (bound to the digest shown), the PSBT download is the API's, an auditor sees no
// action and is refused by hand, an officer cancels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpendsApp, type SpendsApp } from '../spends/fixture.js';
import { consoleClient, csrfOf, signIn } from './helpers.js';

let t: SpendsApp;
let id: string;
let digest: string;
beforeAll(async () => {
  t = await createSpendsApp();
  await t.mine(1);
  // The fixture's payouts name the site dam-1, which the payouts now require to be registered.
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
  await t.fund('regtest-warm', [400_000_000n]);
  const p = await t.request('POST', '/v1/spends', {
    key: t.keys.officer,
    body: {
      policy_id: 'regtest-warm',
      outputs: [{ policy_id: 'regtest-cold', amount_btc: '2.5', label: 'to cold' }],
      fee_rate_sat_vb: 5,
      purpose: 'rebalance',
    },
  });
  expect(p.status, p.text).toBe(201);
  id = p.json.id;
  digest = p.json.digest;
});
afterAll(async () => t?.close());

describe('spend pages', () => {
  it('the queue shows the spend, its approvals n/m and whom it waits on', async () => {
    const auditor = consoleClient(t);
    await signIn(auditor, t.keys.auditor);
    const page = await auditor.get('/console/spends');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`/console/spends/${id}`);
    const spend = (await t.request('GET', `/v1/spends/${id}`, { key: t.keys.auditor })).json;
    expect(page.text).toContain(`0/${spend.approvals_required}`);
    expect(page.text).toContain(`approvers: ${spend.approvals_required} more approval(s)`);
  });

  it('an auditor sees the spend without any action and is refused posting one by hand', async () => {
    const auditor = consoleClient(t);
    await signIn(auditor, t.keys.auditor);
    const page = await auditor.get(`/console/spends/${id}`);
    expect(page.text).toContain(digest);
    expect(page.text).not.toMatch(/action="\/console\/spends\/[^"]+\/(approvals|signatures|broadcast|cancel)"/);
    const before = await t.footprint();
    const res = await auditor.post(`/console/spends/${id}/approvals`, {
      csrf: csrfOf(page.text),
      decision: 'approve',
      digest,
    });
    expect(res.status).toBe(403);
    expect(await t.footprint()).toEqual(before);
  });

  it('the PSBT download is the API’s', async () => {
    const approver = consoleClient(t);
    await signIn(approver, t.approvers[0]!);
    const res = await t.app.request(`/console/spends/${id}/psbt`, {
      headers: { cookie: [...approver.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from(await t.psbtOf(id)));
  });

  it('an approver approves through the form; a stale digest is refused', async () => {
    const approver = consoleClient(t);
    await signIn(approver, t.approvers[0]!);
    const page = await approver.get(`/console/spends/${id}`);
    expect(page.text).toContain('Approve digest');
    const stale = await approver.post(`/console/spends/${id}/approvals`, {
      csrf: csrfOf(page.text),
      decision: 'approve',
      digest: '0'.repeat(64),
    });
    expect(stale.status).toBe(409);
    const ok = await approver.post(`/console/spends/${id}/approvals`, {
      csrf: csrfOf(page.text),
      decision: 'approve',
      digest,
    });
    expect(ok.status).toBe(303);
    const spend = (await t.request('GET', `/v1/spends/${id}`, { key: t.keys.auditor })).json;
    expect(spend.approvals).toHaveLength(1);
    expect(spend.approvals[0].decision).toBe('approve');
    const after = await approver.get(`/console/spends/${id}`);
    expect(after.text).not.toContain('Approve digest'); // one decision per key
  });

  it('an officer cancels the spend through the form', async () => {
    const officer = consoleClient(t);
    await signIn(officer, t.keys.officer);
    const page = await officer.get(`/console/spends/${id}`);
    const res = await officer.post(`/console/spends/${id}/cancel`, { csrf: csrfOf(page.text) });
    expect(res.status).toBe(303);
    expect((await t.request('GET', `/v1/spends/${id}`, { key: t.keys.auditor })).json.state).toBe('cancelled');
  });
});
