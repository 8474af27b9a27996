import { spawnSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../../src/ledger/canonical.js';
import { LEDGER_CSV_COLUMNS } from '../../../src/ledger/export/formats.js';
import { trialBalance, verifyLedger } from '../../../src/ledger/service.js';
import { verifyLedgerExport } from '../../../src/verify/verify.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { postRealisticLedger } from './ledger-fixture.js';
import { scratch } from './support.js';

let t: TestApp;
let files: ReturnType<typeof scratch>;
let entryCount: number;
beforeAll(async () => {
  t = await createTestApp();
  files = scratch();
  entryCount = await postRealisticLedger(t.ctx());
});
afterAll(async () => {
  files.cleanup();
  await t.close();
});

const FORMATS = ['csv', 'jsonl', 'beancount'] as const;

async function exportFile(query: string, extension: string) {
  const res = await t.request('GET', `/v1/exports/ledger?${query}`, { key: t.keys.auditor });
  expect(res.status, res.text).toBe(200);
  return { res, path: files.write(res.text, extension) };
}

describe('GET /v1/exports/ledger round trips through the offline verifier', () => {
  for (const format of FORMATS) {
    it(`${format}: the whole ledger verifies; head and trial balance match the server's`, async () => {
      const { res, path } = await exportFile(`format=${format}`, format);
      expect(res.headers.get('content-disposition')).toContain(`reserve-ledger-1-${entryCount}.${format}`);
      const summary = await verifyLedgerExport(path);
      const server = await verifyLedger(t.ctx());
      expect(server).toMatchObject({ ok: true });
      expect(summary).toMatchObject({ format, entries: entryCount, from_seq: '1', to_seq: String(entryCount), prev_hash: GENESIS_HASH });
      expect(server.ok && summary.head_hash === server.head_hash).toBe(true);
      const balances = (await trialBalance(t.ctx())).rows.filter((r) => r.balance.toString() !== '0');
      expect(summary.closing_balances).toHaveLength(balances.length);
      for (const row of balances) {
        expect(summary.closing_balances).toContainEqual({ account: row.account, commodity: row.commodity, amount: row.balance.toString() });
      }
    });
  }

  it('csv is RFC 4180: a header, one record per posting, quoted fields with commas, quotes and newlines', async () => {
    const { res } = await exportFile('format=csv', 'csv');
    expect(res.headers.get('content-type')).toContain('text/csv');
    const records = parse(res.text) as string[][];
    expect(records[0]).toEqual([...LEDGER_CSV_COLUMNS]);
    const rows = records.slice(1, -1);
    expect(records.at(-1)![0]).toBe('manifest');
    const manifest = JSON.parse(records.at(-1)![1]!);
    expect(rows).toHaveLength(manifest.postings);
    const coinbase = rows.find((r) => r[4] === 'coinbase.received')!;
    expect(coinbase[5]).toMatch(/^Coinbase, "solo" block at gas-flare_2; round \d+\nsecond line — ünïcødé$/);
    expect(res.text).toContain('"Coinbase, ""solo"" block');
    const energy = rows.find((r) => r[4] === 'energy.consumed')!;
    expect(energy.slice(13, 16)).toEqual(['Expenses:Energy:hydro-1', 'BYN', '1520.5']);
    expect(energy[16]).toBe('0.30864197530864197 USD');
  });

  it('jsonl carries one entry per line with amounts as exact strings', async () => {
    const { res } = await exportFile('format=jsonl', 'jsonl');
    const lines = res.text.trimEnd().split('\n');
    expect(lines).toHaveLength(entryCount + 1);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ seq: '1', kind: 'payout.received', prev_hash: GENESIS_HASH, reverses_seq: null });
    expect(first.postings[0]).toEqual({ account: 'Assets:Bitcoin:vault-a:Unconfirmed', commodity: 'BTC', amount: '312500000', price: null, cost: null });
    expect(first.postings[1].price).toBe('65000.25 USD');
    const reversal = lines.map((l) => JSON.parse(l)).find((e) => e.kind === 'reversal');
    expect(reversal.reverses_seq).toMatch(/^\d+$/);
  });

  it('beancount is accepted by bean-check (Debian package beancount, installed by .ci/run)', async () => {
    const { path, res } = await exportFile('format=beancount', 'beancount');
    expect(res.text).toMatch(/^\d{4}-\d{2}-\d{2} open Assets:Bitcoin:Cold-vault-b:Immature$/m);
    expect(res.text).toMatch(/^\d{4}-\d{2}-\d{2} commodity BYN$/m);
    expect(res.text).toContain('  Assets:Bitcoin:Vault-a:Unconfirmed  3.12500000 BTC\n    account: "Assets:Bitcoin:vault-a:Unconfirmed"');
    const check = spawnSync('bean-check', [path], { encoding: 'utf8' });
    // Missing bean-check is a failure, not a skip: install it with `apt-get install beancount`.
    expect(check.error, 'bean-check is not installed (apt-get install beancount)').toBeUndefined();
    expect(check.stderr + check.stdout).toBe('');
    expect(check.status).toBe(0);
  });
});
