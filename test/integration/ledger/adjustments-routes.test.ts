// The adjustment routes end to end: an officer proposes (201), the proposer's own key cannot approve,
// a different approver posts it (the entry's seq in the answer), auditors list; roles enforced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../../src/keys/service.js';
import { postEntry } from '../../../src/ledger/service.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { btcEntry } from './helpers.js';

let t: TestApp;
let secondApprover: string;
beforeAll(async () => {
  t = await createTestApp();
  await postEntry({
    ctx: t.ctx(),
    input: btcEntry('Assets:Bitcoin:regtest-cold:Unconfirmed', 'Income:Mining:no-such-site', 700n),
  });
  secondApprover = (await createKey({ ctx: t.ctx(), input: { name: 'second approver', role: 'approver' } })).secret;
});
afterAll(async () => t.close());

describe('POST /v1/ledger/adjustments and its approvals', () => {
  it('proposes, refuses the proposer, posts with a different approver, lists', async () => {
    const proposed = await t.request('POST', '/v1/ledger/adjustments', {
      key: t.keys.officer,
      body: { reason: 'payout booked to a site that does not exist', reverses_seq: '1' },
    });
    expect(proposed.status, proposed.text).toBe(201);
    expect(proposed.json).toMatchObject({ state: 'proposed', reverses_seq: '1', entry_seq: null });
    const id = proposed.json.id;
    // an approver may not propose, an officer may not approve
    expect(
      (
        await t.request('POST', '/v1/ledger/adjustments', {
          key: t.keys.approver,
          body: { reason: 'x', reverses_seq: '1' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await t.request('POST', `/v1/ledger/adjustments/${id}/approvals`, {
          key: t.keys.officer,
          body: { decision: 'approve' },
        })
      ).status,
    ).toBe(403);
    const posted = await t.request('POST', `/v1/ledger/adjustments/${id}/approvals`, {
      key: secondApprover,
      body: { decision: 'approve' },
    });
    expect(posted.status, posted.text).toBe(200);
    expect(posted.json).toMatchObject({ state: 'posted', entry_seq: '2', decided_by: { name: 'second approver' } });
    const entry = await t.request('GET', '/v1/ledger/entries/2', { key: t.keys.auditor });
    expect(entry.json).toMatchObject({ kind: 'reversal', reverses_seq: '1', source: { type: 'adjustment', id } });
    const again = await t.request('POST', `/v1/ledger/adjustments/${id}/approvals`, {
      key: t.keys.approver,
      body: { decision: 'approve' },
    });
    expect(again.status).toBe(409);
    const list = await t.request('GET', '/v1/ledger/adjustments?state=posted', { key: t.keys.auditor });
    expect(list.json.items.map((a: { id: string }) => a.id)).toEqual([id]);
    expect((await t.request('GET', `/v1/ledger/adjustments/${id}`, { key: t.keys.auditor })).json.state).toBe('posted');
  });

  it('the proposer cannot approve with the same key (an admin proposing and approving alone)', async () => {
    await postEntry({
      ctx: t.ctx(),
      input: btcEntry('Assets:Bitcoin:regtest-cold:Unconfirmed', 'Income:Mining:dam-1', 5n),
    });
    const proposed = await t.request('POST', '/v1/ledger/adjustments', {
      key: t.keys.admin,
      body: { reason: 'test', reverses_seq: '3' },
    });
    expect(proposed.status, proposed.text).toBe(201);
    const self = await t.request('POST', `/v1/ledger/adjustments/${proposed.json.id}/approvals`, {
      key: t.keys.admin,
      body: { decision: 'approve' },
    });
    expect(self.status).toBe(403);
    expect(self.json.detail).toMatch(/different approver/);
  });

  it('refuses bad bodies naming the field, writing nothing', async () => {
    const both = await t.request('POST', '/v1/ledger/adjustments', {
      key: t.keys.officer,
      body: { reason: 'x', reverses_seq: '1', postings: [] },
    });
    expect(both.status).toBe(422);
    const unknown = await t.request('POST', '/v1/ledger/adjustments', {
      key: t.keys.officer,
      body: { reason: 'x', reverses_seq: '1', extra: true },
    });
    expect(unknown.json.errors).toContainEqual({ field: 'extra', reason: 'is not a known field' });
    const missing = await t.request('POST', '/v1/ledger/adjustments/adj_00000000000000000000/approvals', {
      key: t.keys.approver,
      body: { decision: 'approve' },
    });
    expect(missing.status).toBe(404);
  });
});
