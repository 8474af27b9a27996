import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postEntry, reverseEntry } from '../../../src/ledger/service.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { btcEntry } from './helpers.js';

let t: TestApp;
const AVAILABLE = 'Assets:Bitcoin:vault-a:Available';
beforeAll(async () => {
  t = await createTestApp();
  await postEntry({
    ctx: t.ctx(),
    input: btcEntry(AVAILABLE, 'Income:Mining:hydro-1', 312_500_000n, {
      occurredAt: new Date('2026-11-01T00:00:00Z'),
      kind: 'payout.received',
      source: { type: 'payout', id: 'pay_1' },
    }),
  });
  await postEntry({
    ctx: t.ctx(),
    input: btcEntry('Assets:Bitcoin:vault-b:Available', 'Income:Mining:gas-2', 100n, {
      occurredAt: new Date('2026-11-02T00:00:00Z'),
    }),
  });
  await postEntry({
    ctx: t.ctx(),
    input: {
      ...btcEntry('Expenses:Energy:hydro-1', 'Liabilities:Energy:grid', 0n, {
        occurredAt: new Date('2026-11-03T00:00:00Z'),
        kind: 'production.energy',
      }),
      postings: [
        {
          account: 'Expenses:Energy:hydro-1',
          commodity: 'BYN',
          amount: new Decimal('1520.50'),
          price: { amount: new Decimal('0.30'), commodity: 'USD' },
        },
        { account: 'Liabilities:Energy:grid', commodity: 'BYN', amount: new Decimal('-1520.5') },
      ],
    },
  });
  await reverseEntry({
    ctx: t.ctx(),
    input: { seq: 2n, reason: 'orphaned', occurredAt: new Date('2026-11-04T00:00:00Z') },
  });
});
afterAll(async () => t.close());

describe('GET /v1/ledger/entries', () => {
  it('lists entries in seq order with amounts as strings, a page at a time', async () => {
    const first = await t.request('GET', '/v1/ledger/entries?limit=2', { key: t.keys.auditor });
    expect(first.status).toBe(200);
    expect(first.json.items.map((e: { seq: string }) => e.seq)).toEqual(['1', '2']);
    expect(first.json.items[0].postings[0]).toEqual({
      account: AVAILABLE,
      commodity: 'BTC',
      amount: '312500000',
      amount_sat: '312500000',
      amount_btc: '3.12500000',
      price: null,
      cost: null,
    });
    expect(first.json.items[1].prev_hash).toBe(first.json.items[0].hash);
    const second = await t.request('GET', `/v1/ledger/entries?limit=2&cursor=${first.json.next_cursor}`, {
      key: t.keys.auditor,
    });
    expect(second.json.items.map((e: { seq: string }) => e.seq)).toEqual(['3', '4']);
    expect(second.json.items[0].postings[0]).toMatchObject({
      commodity: 'BYN',
      amount: '1520.5',
      amount_sat: null,
      price: { amount: '0.3', commodity: 'USD' },
    });
    expect(second.json.items[1]).toMatchObject({ kind: 'reversal', reverses_seq: '2' });
    expect(second.json.next_cursor).toBeNull();
  });

  it('filters by account prefix, kind, source and time range', async () => {
    const seqs = async (query: string) =>
      (await t.request('GET', `/v1/ledger/entries?${query}`, { key: t.keys.auditor })).json.items.map(
        (e: { seq: string }) => e.seq,
      );
    expect(await seqs('account=Assets:Bitcoin:vault-b')).toEqual(['2', '4']);
    expect(await seqs('account=Assets:Bitcoin:vault')).toEqual([]); // a prefix is whole segments, not characters
    expect(await seqs('account=Assets')).toEqual(['1', '2', '4']);
    expect(await seqs('kind=payout.received')).toEqual(['1']);
    expect(await seqs('source_type=payout&source_id=pay_1')).toEqual(['1']);
    expect(await seqs('from=2026-11-02T00:00:00Z&to=2026-11-04T00:00:00Z')).toEqual(['2', '3']);
  });

  it('names the bad query field', async () => {
    const res = await t.request('GET', '/v1/ledger/entries?from=yesterday&account=Cash', { key: t.keys.auditor });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(['query.account', 'query.from']);
    expect((await t.request('GET', '/v1/ledger/entries?cursor=garbage', { key: t.keys.auditor })).status).toBe(422);
  });
});

describe('GET /v1/ledger/entries/{seq}', () => {
  it('returns one entry, 404 for an unknown seq, 422 for a malformed one', async () => {
    const res = await t.request('GET', '/v1/ledger/entries/3', { key: t.keys.auditor });
    expect(res.json).toMatchObject({ seq: '3', kind: 'production.energy' });
    expect((await t.request('GET', '/v1/ledger/entries/99', { key: t.keys.auditor })).status).toBe(404);
    const bad = await t.request('GET', '/v1/ledger/entries/-1', { key: t.keys.auditor });
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].field).toBe('path.seq');
  });
});

describe('accounts, trial balance, verify', () => {
  it('lists accounts with maintained balances', async () => {
    const res = await t.request('GET', '/v1/ledger/accounts?prefix=Assets:Bitcoin', { key: t.keys.auditor });
    expect(res.json.items).toEqual([
      {
        name: AVAILABLE,
        type: 'asset',
        commodities: null,
        balances: [{ commodity: 'BTC', balance: '312500000', balance_btc: '3.12500000' }],
      },
      {
        name: 'Assets:Bitcoin:vault-b:Available',
        type: 'asset',
        commodities: null,
        balances: [{ commodity: 'BTC', balance: '0', balance_btc: '0.00000000' }],
      },
    ]);
  });

  it('gives the trial balance now and as of a past time, totals zero', async () => {
    const now = await t.request('GET', '/v1/ledger/trial-balance', { key: t.keys.auditor });
    expect(now.json.totals).toEqual([
      { commodity: 'BTC', total: '0' },
      { commodity: 'BYN', total: '0' },
    ]);
    const past = await t.request('GET', '/v1/ledger/trial-balance?as_of=2026-11-02T12:00:00Z', { key: t.keys.auditor });
    expect(past.json.as_of).toBe('2026-11-02T12:00:00.000Z');
    expect(
      past.json.rows.find((r: { account: string }) => r.account === 'Assets:Bitcoin:vault-b:Available').balance,
    ).toBe('100');
    expect(past.json.rows.some((r: { commodity: string }) => r.commodity === 'BYN')).toBe(false);
    expect((await t.request('GET', '/v1/ledger/trial-balance?as_of=2026-13-01', { key: t.keys.auditor })).status).toBe(
      422,
    );
  });

  it('verifies the chain and reports the head', async () => {
    const res = await t.request('GET', '/v1/ledger/verify', { key: t.keys.auditor });
    const last = await t.request('GET', '/v1/ledger/entries/4', { key: t.keys.auditor });
    expect(res.json).toEqual({ ok: true, count: '4', head_hash: last.json.hash });
  });

  it('is for auditors and admins only', async () => {
    expect((await t.request('GET', '/v1/ledger/accounts', { key: t.keys.officer })).status).toBe(403);
    expect((await t.request('GET', '/v1/ledger/verify', { key: t.keys.approver })).status).toBe(403);
    expect((await t.request('GET', '/v1/ledger/entries', { key: null })).status).toBe(401);
    expect((await t.request('GET', '/v1/ledger/entries', { key: t.keys.admin })).status).toBe(200);
  });
});
