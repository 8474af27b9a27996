// The spend pages on a funded vault: the queue shows who waits on whom, an approver approves
// through the form (bound to the digest shown), the PSBT download is the API's, an auditor sees no
// action and is refused by hand, an officer cancels; signed PSBTs uploaded through the form and the
// broadcast form around the delay; the overview's "waiting on you".
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signWithBitcoinjs, signWithScure } from '../../unit/spends/fixtures.js';
import { createSpendsApp, EXTERNAL, SIGNERS, type SpendsApp } from '../spends/fixture.js';
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
}, 180_000);
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
    // Not approved yet: the delay has no start, and the page says when it will (a 0-hour vault).
    expect(page.text).toContain('0 h; broadcast allowed once it is approved');
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

// A 3-of-5 vault with a one-hour delay: approvals through the API, then three cosigners' PSBTs
// uploaded through the console's form (signed by bitcoinjs-lib and @scure/btc-signer with the
// published test seeds, one as base64 text as some devices save it), the signature count on the
// page moving with the API's; the broadcast form refused during the delay and accepted after it.
describe('PSBT upload and broadcast through the forms', () => {
  let five: string;
  beforeAll(async () => {
    await t.fund('regtest-five', [300_000_000n]);
    const p = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: {
        policy_id: 'regtest-five',
        outputs: [{ address: EXTERNAL, amount_btc: '1.5', label: 'to the payee' }],
        fee_rate_sat_vb: 5,
        purpose: 'a payment',
      },
    });
    expect(p.status, p.text).toBe(201);
    five = p.json.id;
  }, 120_000);

  const apiSpend = async () => (await t.request('GET', `/v1/spends/${five}`, { key: t.keys.auditor })).json;
  /** The overview's "waiting on you" line for the spend, as text, or null. */
  const waitingLine = (html: string) => {
    const m = new RegExp(`<li data-spend="${five}">([\\s\\S]*?)</li>`).exec(html);
    return m ? m[1]!.replace(/<[^>]+>/g, '') : null;
  };
  const shownCounts = (html: string) => [...html.matchAll(/input (\d+): (\d+)\/(\d+)/g)].map((m) => `${m[2]}/${m[3]}`);

  it('waits on the approvers first: their overview lists it, the auditor’s does not', async () => {
    const approver = consoleClient(t);
    await signIn(approver, t.approvers[1]!);
    const overview = await approver.get('/console');
    expect(overview.text).toContain('Spends waiting on you');
    expect(waitingLine(overview.text)).toContain('you can approve or reject, sign (1 input(s) short of signatures)');
    const auditor = consoleClient(t);
    await signIn(auditor, t.keys.auditor);
    const seen = await auditor.get('/console');
    expect(waitingLine(seen.text)).toBeNull();
    expect(seen.text).toContain('Nothing waits on you');
    for (const key of [t.approvers[1]!, t.approvers[2]!]) {
      const r = await t.request('POST', `/v1/spends/${five}/approvals`, {
        key,
        body: { decision: 'approve', digest: (await apiSpend()).digest },
      });
      expect(r.status, r.text).toBe(200);
    }
    // Decided: the approver is now asked only for a signature, not for a decision.
    const after = await approver.get('/console');
    expect(waitingLine(after.text)).toContain('you can sign (1 input(s) short of signatures).');
  });

  it('a signer uploads signed PSBTs through the form and the count moves with the API’s', async () => {
    const approver = consoleClient(t);
    await signIn(approver, t.approvers[1]!);
    const page = await approver.get(`/console/spends/${five}`);
    expect(page.text).toContain('enctype="multipart/form-data"');
    expect(shownCounts(page.text)).toEqual(['0/3']);
    // A file that is no PSBT is a 422 page and changes nothing.
    const before = await t.footprint();
    const bad = await approver.postFile(
      `/console/spends/${five}/signatures`,
      { csrf: csrfOf(page.text) },
      { field: 'psbt', name: 'notes.txt', bytes: new TextEncoder().encode('not a psbt') },
    );
    expect(bad.status).toBe(422);
    expect(await t.footprint()).toEqual(before);
    const base = await t.psbtOf(five);
    const signers = SIGNERS['regtest-five']!;
    const uploads: [Uint8Array, string][] = [
      [signWithBitcoinjs(base, signers[0]!), 'signer1.psbt'],
      // @scure/btc-signer's PSBT, saved as base64 text.
      [new TextEncoder().encode(Buffer.from(signWithScure(base, signers[3]!)).toString('base64')), 'signer4.txt'],
      [signWithBitcoinjs(base, signers[4]!), 'signer5.psbt'],
    ];
    for (const [step, [bytes, name]] of uploads.entries()) {
      const current = await approver.get(`/console/spends/${five}`);
      const res = await approver.postFile(
        `/console/spends/${five}/signatures`,
        { csrf: csrfOf(current.text) },
        { field: 'psbt', name, bytes },
      );
      expect(res.status, res.text).toBe(303);
      const spend = await apiSpend();
      expect(spend.signatures.map((s: { signed_by: string[] }) => s.signed_by.length)).toEqual([step + 1]);
      const shown = await approver.get(`/console/spends/${five}`);
      expect(shownCounts(shown.text)).toEqual(
        spend.signatures.map((s: { signed_by: string[]; required: number }) => `${s.signed_by.length}/${s.required}`),
      );
    }
    expect((await apiSpend()).state).toBe('signed');
  });

  it('the officer’s broadcast form is refused during the delay and accepted after it', async () => {
    const officer = consoleClient(t);
    await signIn(officer, t.keys.officer);
    const page = await officer.get(`/console/spends/${five}`);
    expect(page.text).toContain(`action="/console/spends/${five}/broadcast"`);
    const waiting = await officer.get('/console');
    expect(waitingLine(waiting.text)).toContain('you can report the broadcast once the delay has passed.');
    const early = await officer.post(`/console/spends/${five}/broadcast`, { csrf: csrfOf(page.text) });
    expect(early.status).toBe(409);
    expect(early.text).toContain('delay');
    expect((await apiSpend()).state).toBe('signed');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.parse((await apiSpend()).broadcast_allowed_at) + 60_000);
      const later = consoleClient(t); // the first session has gone idle in the meantime
      await signIn(later, t.keys.officer);
      const ready = await later.get('/console');
      expect(waitingLine(ready.text)).toContain('you can report the broadcast.');
      const again = await later.get(`/console/spends/${five}`);
      const res = await later.post(`/console/spends/${five}/broadcast`, { csrf: csrfOf(again.text) });
      expect(res.status, res.text).toBe(303);
      const spend = await apiSpend();
      expect(spend.state).toBe('broadcast');
      const tx = await t.request('GET', `/v1/spends/${five}/transaction`, { key: t.keys.officer });
      expect(tx.status).toBe(200);
      expect(tx.json.txid).toBe(spend.txid);
      // Broadcast: nothing waits on the officer any more.
      expect(waitingLine((await later.get('/console')).text)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
