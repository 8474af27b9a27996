import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Transaction } from 'bitcoinjs-lib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { readSpend } from '../../../src/spends/index.js';
import { verifyRecordExport } from '../../../src/verify/records.js';
import { signWithBitcoinjs, signWithScure } from '../../unit/spends/fixtures.js';
import { chainReads, txConfirmed } from './chain-support.js';
import { createSpendsApp, SIGNERS, type SpendsApp } from './fixture.js';

// A settled block that a fork takes away and the original branch brings back: its vault outputs are
// `withdrawn` (not spent) while it is away, and its settlement is applied again when the block is
// connected again, with no new tx.confirmed; a later tx.confirmed of it changes nothing. Then the
// same for a transaction outside Reserve, and its outflow booked at its block's time.

let t: SpendsApp;
let r: ReturnType<typeof chainReads>;
let withdrawnCoin: { txid: string; vout: number } | undefined;
beforeAll(async () => {
  t = await createSpendsApp();
  r = chainReads(t);
  await t.mine(1);
});
afterAll(async () => t?.close());

/** A warm spend (2-of-3 P2SH-P2WSH, no delay) to the cold vault with change: proposed, approved, signed by two wallets, reported broadcast. */
async function broadcastSpend() {
  await t.fund('regtest-warm', [150_000_000n]);
  const p = await t.request('POST', '/v1/spends', {
    key: t.keys.officer,
    body: {
      policy_id: 'regtest-warm',
      outputs: [{ policy_id: 'regtest-cold', amount_btc: '0.5', label: 'to cold' }],
      fee_rate_sat_vb: 2,
      purpose: 'reconnected',
    },
  });
  expect(p.status, p.text).toBe(201);
  for (const key of t.approvers.slice(0, 2)) {
    const a = await t.request('POST', `/v1/spends/${p.json.id}/approvals`, {
      key,
      body: { decision: 'approve', digest: p.json.digest },
    });
    expect(a.status, a.text).toBe(200);
  }
  const base = await t.psbtOf(p.json.id);
  const [first, , third] = SIGNERS['regtest-warm']!;
  expect((await t.upload(p.json.id, signWithBitcoinjs(base, first!))).status).toBe(200);
  expect((await t.upload(p.json.id, signWithScure(base, third!), true)).json.state).toBe('signed');
  const b = await t.request('POST', `/v1/spends/${p.json.id}/broadcast`, { key: t.keys.officer });
  expect(b.json.state, b.text).toBe('broadcast');
  const record = await readSpend(t.database.db, p.json.id);
  return { proposal: p.json, tx: Transaction.fromHex(record.spend.finalTxHex!) };
}

async function holdingsTotal(): Promise<bigint> {
  const h = await t.request('GET', '/v1/reports/holdings', { key: t.keys.auditor });
  expect(h.json.holdings.some((row: { status: string }) => row.status === 'withdrawn')).toBe(false);
  return BigInt(h.json.total_sat);
}

async function settlementsOf(txid: string) {
  return rowsOf<{ block_hash: string; undone: boolean }>(
    await t.database.db.execute(
      sql`select block_hash, undone_at is not null as undone from spend_settlements where txid = ${txid} order by seq`,
    ),
  );
}

describe('a settled block connected again', () => {
  it('withdrawn while a fork is heavier, re-settled by the block connect itself; a later tx.confirmed is a no-op', async () => {
    const { proposal, tx } = await broadcastSpend();
    const txid = tx.getId();
    const change = `${txid}:1`;
    const held = await holdingsTotal();
    const cold = await r.balance('Assets:Bitcoin:regtest-cold:Available');
    const fees = await r.balance('Expenses:Bitcoin:NetworkFees');
    const parent = t.tip();
    const a1 = await t.mineWith([tx], undefined, 'original');
    expect((await t.send(txConfirmed(tx, a1))).json).toEqual({ outcome: 'settled', spendId: proposal.id });
    expect((await r.coin(txid, 1)).status).toBe('available');
    expect(await holdingsTotal()).toBe(held - BigInt(proposal.fee_sat));
    await r.booksEqualChain();

    // A heavier fork from A1's parent: the settlement is undone, its outputs withdrawn (not spent).
    const b1 = await t.mineWith([], parent, 'fork');
    const b2 = await t.mineWith([], b1, 'fork');
    expect(t.tip().hash).toBe(b2.hash);
    expect((await t.request('GET', `/v1/spends/${proposal.id}`, { key: t.keys.auditor })).json.state).toBe('broadcast');
    for (const i of proposal.inputs) expect((await r.coin(i.txid, i.vout)).status).toBe('locked');
    for (const [txidOf, vout] of [
      [txid, 0],
      [txid, 1],
    ] as const)
      expect(await r.coin(txidOf, vout)).toMatchObject({ status: 'withdrawn', block_hash: null });
    expect(await holdingsTotal()).toBe(held);
    expect(await r.balance('Assets:Bitcoin:regtest-cold:Available')).toBe(cold);
    await r.booksEqualChain();
    // Withdrawn coins are in the UTXO export as such, outside the held total, and the export verifies offline.
    const exported = await r.utxoExport();
    expect(exported.coins.get(change)?.status).toBe('withdrawn');
    const byStatus = new Map<string, string>(
      exported.manifest.by_status.map((s: { status: string; amount_sat: string }) => [s.status, s.amount_sat]),
    );
    expect(BigInt(byStatus.get('withdrawn')!)).toBe(
      BigInt(proposal.change.amount_sat) + BigInt(proposal.outputs[0].amount_sat),
    );
    const file = join(mkdtempSync(join(tmpdir(), 'reserve-withdrawn-')), 'utxos.jsonl');
    writeFileSync(file, exported.text);
    expect((await verifyRecordExport(file)).count).toBe(exported.coins.size);
    const heldInExport = [...exported.coins.values()]
      .filter((c) => !['orphaned', 'spent', 'withdrawn'].includes(c.status))
      .reduce((s, c) => s + BigInt(c.amount_sat), 0n);
    expect(BigInt(exported.manifest.held_sat)).toBe(heldInExport);
    const reserves = await t.request('GET', '/v1/reports/proof-of-reserves', { key: t.keys.auditor });
    expect(reserves.status, reserves.text).toBe(200);
    expect(JSON.stringify(reserves.json)).not.toContain(txid);

    // The original branch with a longer extension: A1 is connected again and its settlement re-applied.
    const a2 = await t.mineWith([], a1, 'original');
    const footprintBefore = await t.footprint();
    const a3 = await t.mineWith([], a2, 'original');
    expect(t.tip().hash).toBe(a3.hash);
    const spend = await t.request('GET', `/v1/spends/${proposal.id}`, { key: t.keys.auditor });
    expect(spend.json).toMatchObject({ state: 'confirmed', block_hash: a1.hash, block_height: a1.height });
    for (const i of proposal.inputs) expect((await r.coin(i.txid, i.vout)).status).toBe('spent');
    expect(await r.coin(txid, 1)).toMatchObject({
      status: 'available',
      block_hash: a1.hash,
      policy_id: 'regtest-warm',
    });
    expect(await r.coin(txid, 0)).toMatchObject({
      status: 'available',
      block_hash: a1.hash,
      policy_id: 'regtest-cold',
    });
    expect(await r.balance('Assets:Bitcoin:regtest-cold:Available')).toBe(cold + 50_000_000n);
    expect((await r.balance('Expenses:Bitcoin:NetworkFees')) - fees).toBe(BigInt(proposal.fee_sat));
    expect(await holdingsTotal()).toBe(held - BigInt(proposal.fee_sat));
    expect(await settlementsOf(txid)).toEqual([
      { block_hash: a1.hash, undone: true },
      { block_hash: a1.hash, undone: false },
    ]);
    const afterReconnect = await t.footprint();
    // One block connect: the coin.spent entry and the re-settlement's rows in its transaction.
    expect(afterReconnect.ledger_entries).toBeGreaterThan(footprintBefore.ledger_entries);
    await r.booksEqualChain();

    // The fleet's tx.confirmed of the same transaction and block, late: 200, nothing written.
    const late = await t.send(txConfirmed(tx, a1));
    expect(late.status).toBe(200);
    expect(late.json).toEqual({ outcome: 'already_settled', spendId: proposal.id });
    const { audit_log: _a, ...afterLate } = await t.footprint();
    const { audit_log: _b, ...settledThen } = afterReconnect;
    expect(afterLate).toEqual(settledThen);
    expect(await settlementsOf(txid)).toHaveLength(2);
    await r.booksEqualChain();

    // And away again (a fork heavier still): the re-applied settlement is undone like the first one.
    const b3 = await t.mineWith([], b2, 'fork');
    await t.mineWith([], b3, 'fork');
    expect((await t.request('GET', `/v1/spends/${proposal.id}`, { key: t.keys.auditor })).json.state).toBe('broadcast');
    expect((await r.coin(txid, 1)).status).toBe('withdrawn');
    expect(await holdingsTotal()).toBe(held);
    await r.booksEqualChain();
    withdrawnCoin = { txid, vout: 1 };
  });

  it('the database holds the withdrawn state: only available -> withdrawn -> available; migration 0016 renames old ones', async () => {
    const { txid, vout } = withdrawnCoin!;
    const exec = (q: ReturnType<typeof sql>) => t.database.db.execute(q);
    /** The database's refusal of a statement (drizzle wraps it as the cause), or 'written'. */
    const refusal = async (q: ReturnType<typeof sql>) => {
      try {
        await exec(q);
      } catch (err) {
        return String((err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message);
      }
      return 'written';
    };
    for (const to of ['locked', 'spent', 'unconfirmed', 'orphaned'])
      expect(await refusal(sql`update utxos set status = ${to} where txid = ${txid} and vout = ${vout}`)).toMatch(
        new RegExp(`may not move from withdrawn to ${to}`),
      );
    const [locked] = (await r.utxoExport()).manifest.by_status.filter((s: { status: string }) => s.status === 'locked');
    const lockedCoin = [...(await r.utxoExport()).coins.entries()].find(([, c]) => c.status === 'locked')![0];
    const [lt, lv] = lockedCoin.split(':') as [string, string];
    expect(locked).toBeDefined();
    expect(
      await refusal(sql`update utxos set status = 'withdrawn' where txid = ${lt} and vout = ${Number(lv)}`),
    ).toMatch(/may not move from locked to withdrawn/);
    // A coin withdrawn before the state existed was marked spent (its last move available -> spent,
    // citing the reversal of its settlement): the migration's statements name it withdrawn.
    await exec(sql`alter table utxos disable trigger utxos_guard`);
    await exec(sql`update utxos set status = 'spent' where txid = ${txid} and vout = ${vout}`);
    await exec(sql`alter table utxos enable trigger utxos_guard`);
    await exec(sql`insert into utxo_history (txid, vout, from_status, to_status, reason, event_id, ledger_refs)
      select txid, vout, 'available', 'spent', 'its transaction is unconfirmed again (old form)', event_id, ledger_refs
      from utxo_history where txid = ${txid} and vout = ${vout} order by seq desc limit 1`);
    const migration = readFileSync(
      fileURLToPath(new URL('../../../db/migrations/payouts/0016_coin_withdrawn_guard.sql', import.meta.url)),
      'utf8',
    );
    for (const statement of migration.split('--> statement-breakpoint')) await exec(sql.raw(statement));
    const coin = await r.coin(txid, vout);
    expect(coin.status).toBe('withdrawn');
    expect(coin.history.at(-1)).toMatchObject({ from_status: 'spent', to_status: 'withdrawn' });
    expect(coin.history.at(-1).ledger_entries[0].kind).toBe('coin.unspent');
    // Run again it changes nothing, and the guard is back.
    const rows = (await r.coin(txid, vout)).history.length;
    for (const statement of migration.split('--> statement-breakpoint')) await exec(sql.raw(statement));
    expect((await r.coin(txid, vout)).history).toHaveLength(rows);
    expect(await refusal(sql`update utxos set status = 'locked' where txid = ${txid} and vout = ${vout}`)).toMatch(
      /may not move from withdrawn to locked/,
    );
    await r.booksEqualChain();
  });

  it('a transaction outside Reserve: undone by a fork, spent again when its block comes back, no second alert', async () => {
    const [coin] = await t.fund('regtest-warm', [40_000_000n], 1);
    const thief = new Transaction();
    thief.version = 2;
    thief.addInput(Buffer.from(coin!.txid, 'hex').reverse(), coin!.vout, 0xffffffff);
    thief.addOutput(Buffer.from([0x51]), 39_990_000n);
    const unaccounted = await r.balance('Expenses:Bitcoin:Unaccounted');
    const parent = t.tip();
    const t1 = await t.mineWith([thief], undefined, 'thief');
    expect((await t.send(txConfirmed(thief, t1))).json.outcome).toBe('unauthorised');
    const alerts = async () =>
      (await t.request('GET', '/v1/alerts?kind=spend.unauthorised', { key: t.keys.auditor })).json.items.length;
    const raised = await alerts();
    expect((await r.coin(coin!.txid, 0)).status).toBe('spent');
    expect((await r.balance('Expenses:Bitcoin:Unaccounted')) - unaccounted).toBe(40_000_000n);
    await r.booksEqualChain();
    const f1 = await t.mineWith([], parent, 'thief-fork');
    await t.mineWith([], f1, 'thief-fork');
    expect((await r.coin(coin!.txid, 0)).status).toBe('available');
    expect(await r.balance('Expenses:Bitcoin:Unaccounted')).toBe(unaccounted);
    await r.booksEqualChain();
    const t2 = await t.mineWith([], t1, 'thief');
    await t.mineWith([], t2, 'thief');
    expect((await r.coin(coin!.txid, 0)).status).toBe('spent');
    expect((await r.balance('Expenses:Bitcoin:Unaccounted')) - unaccounted).toBe(40_000_000n);
    expect(await alerts()).toBe(raised);
    expect((await settlementsOf(thief.getId())).map((s) => s.undone)).toEqual([true, false]);
    await r.booksEqualChain();
    const before = await t.footprint();
    expect((await t.send(txConfirmed(thief, t1))).json.outcome).toBe('not_ours');
    const { audit_log: _a, ...after } = await t.footprint();
    const { audit_log: _b, ...then } = before;
    expect(after).toEqual(then);
  });
});

describe('valid time of a transaction outside Reserve', () => {
  it("its outflow to Unaccounted is booked at its block's time, not when its tx.confirmed was recorded", async () => {
    const [coin] = await t.fund('regtest-warm', [70_000_000n], 2);
    const outpoint = `${coin!.txid}:${coin!.vout}`;
    const thief = new Transaction();
    thief.version = 2;
    thief.addInput(Buffer.from(coin!.txid, 'hex').reverse(), coin!.vout, 0xffffffff);
    thief.addOutput(Buffer.from([0x51]), 69_990_000n);
    // The block's header time: half an hour from now (within the 2 h a header may lead).
    const blockTime = new Date((Math.floor(Date.now() / 1000) + 1800) * 1000);
    const block = await t.mineWith([thief], undefined, 'thief-time', blockTime.getTime() / 1000);
    expect((await t.send(txConfirmed(thief, block))).json.outcome).toBe('unauthorised');
    const minuteBefore = new Date(blockTime.getTime() - 60_000);
    const before = await r.utxoExport(minuteBefore);
    const at = await r.utxoExport(blockTime);
    expect(before.coins.get(outpoint)?.status, 'a minute before the block').toBe('available');
    expect(at.coins.get(outpoint)?.status, 'at the block').toBe('spent');
    const unaccounted = (d: Date) => r.balanceAt('Expenses:Bitcoin:Unaccounted', d);
    expect((await unaccounted(blockTime)) - (await unaccounted(minuteBefore))).toBe(70_000_000n);
    const available = (d: Date) => r.balanceAt('Assets:Bitcoin:regtest-warm:Available', d);
    expect((await available(minuteBefore)) - (await available(blockTime))).toBe(70_000_000n);
    await r.booksEqualChain();
  });
});
