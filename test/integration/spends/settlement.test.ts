import { RawPSBTV0 } from '@scure/btc-signer/psbt.js';
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdingsReport } from '../../../src/coins/index.js';
import { verifyLedger } from '../../../src/ledger/index.js';
import { settleTransaction } from '../../../src/spends/index.js';
import { blockConnected, eventTime } from '../../support/webhook.js';
import { coinbaseTx, mineBlock } from '../../support/regtest.js';
import { signWithBitcoinjs, signWithScure } from '../../unit/spends/fixtures.js';
import { createSpendsApp, EXTERNAL, SIGNERS, type SpendsApp } from './fixture.js';

// Settlement from a confirmed transaction (the verb behind the fleet's tx.confirmed): a spend with change and
// an internal transfer, and a transaction no spend of Reserve's made.

let t: SpendsApp;
beforeAll(async () => {
  t = await createSpendsApp();
  await t.mine(1);
});
afterAll(async () => t?.close());

async function balance(account: string): Promise<string> {
  const r = await t.request('GET', `/v1/ledger/accounts?prefix=${encodeURIComponent(account)}`, {
    key: t.keys.auditor,
    unchecked: true,
  });
  const found = (r.json?.items ?? []).find((a: { name: string }) => a.name === account);
  return found?.balances?.find((b: { commodity: string }) => b.commodity === 'BTC')?.balance ?? '0';
}

async function booksEqualChain() {
  expect((await verifyLedger(t.ctx())).ok).toBe(true);
  const report = await holdingsReport(t.ctx());
  expect(report.check).toEqual({ ledger_equals_utxo_set: true, mismatches: [] });
  expect(report.holdings.every((h) => h.consistent)).toBe(true);
}

/** Mines a block holding `txs` on the tip and connects it. */
async function mineWith(txs: Transaction[]) {
  const tip = t.tip();
  const block = mineBlock(tip.height + 1, tip.hash, [
    coinbaseTx(tip.height + 1, [{ script: Buffer.from([0x51]), valueSat: 5_000_000_000n }], 'settle'),
    ...txs,
  ]);
  await t.send(blockConnected(block.height, block.hash, block.prevHash));
  return block;
}

describe('settlement', () => {
  it("a spend's transaction: inputs spent, change and transfer become coins of their vaults, fee and disposition booked", async () => {
    await t.fund('regtest-five', [100_000_000n, 80_000_000n]);
    const p = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: {
        policy_id: 'regtest-five',
        outputs: [
          { address: EXTERNAL, amount_btc: '0.6', label: 'supplier' },
          { policy_id: 'regtest-cold', amount_btc: '0.5', label: 'to cold' },
        ],
        fee_rate_sat_vb: 4,
        purpose: 'pay the supplier, move the rest to cold',
      },
    });
    expect(p.status, p.text).toBe(201);
    for (const key of t.approvers.slice(0, 2))
      expect(
        (
          await t.request('POST', `/v1/spends/${p.json.id}/approvals`, {
            key,
            body: { decision: 'approve', digest: p.json.digest },
          })
        ).status,
      ).toBe(200);
    const base = await t.psbtOf(p.json.id);
    for (const [i, s] of [0, 2, 4].entries()) {
      const signer = SIGNERS['regtest-five']![s]!;
      expect(
        (await t.upload(p.json.id, i === 1 ? signWithScure(base, signer) : signWithBitcoinjs(base, signer))).status,
      ).toBe(200);
    }
    const state = await t.request('GET', `/v1/spends/${p.json.id}`, { key: t.keys.auditor });
    expect(state.json.state).toBe('signed');
    const { readSpend } = await import('../../../src/spends/index.js');
    const record = await readSpend(t.database.db, p.json.id);
    const tx = Transaction.fromHex(record.spend.finalTxHex!);
    const feesBefore = BigInt(await balance('Expenses:Bitcoin:NetworkFees'));
    const block = await mineWith([tx]);
    // Through the fleet webhook, as the follower sends it.
    const event = {
      type: 'tx.confirmed',
      timestamp: eventTime(),
      data: { txid: tx.getId(), raw_tx_hex: tx.toHex(), block_height: block.height, block_hash: block.hash },
    };
    const settled = await t.send(event);
    expect(settled.json).toEqual({ outcome: 'settled', spendId: p.json.id });
    const again = await settleTransaction({
      ctx: t.ctx(),
      input: {
        txid: tx.getId(),
        rawTxHex: tx.toHex(),
        blockHeight: block.height,
        blockHash: block.hash,
        eventId: 'evt_settle_1',
      },
    });
    expect(again.outcome).toBe('already_settled');
    const after = await t.request('GET', `/v1/spends/${p.json.id}`, { key: t.keys.auditor });
    expect(after.json).toMatchObject({ state: 'confirmed', block_hash: block.hash, block_height: block.height });
    for (const i of p.json.inputs) {
      const u = await t.request('GET', `/v1/utxos/${i.txid}/${i.vout}`, { key: t.keys.auditor, unchecked: true });
      expect(u.json.status).toBe('spent');
    }
    const transfer = await t.request('GET', `/v1/utxos/${tx.getId()}/1`, { key: t.keys.auditor, unchecked: true });
    expect(transfer.json).toMatchObject({ policy_id: 'regtest-cold', status: 'available', amount_sat: '50000000' });
    const change = await t.request('GET', `/v1/utxos/${tx.getId()}/2`, { key: t.keys.auditor, unchecked: true });
    expect(change.json).toMatchObject({
      policy_id: 'regtest-five',
      status: 'available',
      amount_sat: p.json.change.amount_sat,
    });
    expect(BigInt(await balance('Expenses:Bitcoin:NetworkFees')) - feesBefore).toBe(BigInt(p.json.fee_sat));
    expect(await balance('Expenses:Bitcoin:Disbursements')).toBe('60000000');
    await booksEqualChain();
    // Spending the change: Reserve holds its previous transaction (the spend's own), so the PSBT carries it.
    const next = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: {
        policy_id: 'regtest-five',
        outputs: [{ address: EXTERNAL, amount_btc: '0.1' }],
        fee_rate_sat_vb: 2,
        purpose: 'from change',
        inputs: [{ txid: tx.getId(), vout: 2 }],
      },
    });
    expect(next.status, next.text).toBe(201);
    const parsed = RawPSBTV0.decode(await t.psbtOf(next.json.id));
    expect(parsed.inputs[0]!.nonWitnessUtxo).toBeDefined();
    expect(parsed.inputs[0]!.witnessUtxo!.amount).toBe(BigInt(p.json.change.amount_sat));
    expect(parsed.inputs[0]!.bip32Derivation).toHaveLength(5);
    expect(parsed.global.xpub).toHaveLength(5);
    expect((await t.request('POST', `/v1/spends/${next.json.id}/cancel`, { key: t.keys.officer })).json.state).toBe(
      'cancelled',
    );
    await booksEqualChain();
  });

  it('a transaction no spend of Reserve made: critical alert, coin spent, the spend holding it invalidated, outflow Unaccounted', async () => {
    const [coin] = await t.fund('regtest-five', [70_000_000n], 5);
    const p = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: {
        policy_id: 'regtest-five',
        outputs: [{ address: EXTERNAL, amount_btc: '0.1' }],
        fee_rate_sat_vb: 2,
        purpose: 'will be pre-empted',
        inputs: [coin],
      },
    });
    expect(p.status, p.text).toBe(201);
    const thief = new Transaction();
    thief.version = 2;
    thief.addInput(Buffer.from(coin!.txid, 'hex').reverse(), coin!.vout, 0xffffffff);
    thief.addOutput(Buffer.from([0x51]), 69_990_000n);
    const block = await mineWith([thief]);
    const r = await settleTransaction({
      ctx: t.ctx(),
      input: {
        txid: thief.getId(),
        rawTxHex: thief.toHex(),
        blockHeight: block.height,
        blockHash: block.hash,
        eventId: 'evt_thief',
      },
    });
    expect(r.outcome).toBe('unauthorised');
    if (r.outcome !== 'unauthorised') return;
    expect(r.invalidated).toEqual([p.json.id]);
    expect((await t.request('GET', `/v1/spends/${p.json.id}`, { key: t.keys.auditor })).json.state).toBe('invalidated');
    const alerts = await t.request('GET', '/v1/alerts', { key: t.keys.auditor, unchecked: true });
    expect(JSON.stringify(alerts.json)).toContain('spend.unauthorised');
    expect(await balance('Expenses:Bitcoin:Unaccounted')).toBe('70000000');
    expect(
      (await t.request('GET', `/v1/utxos/${coin!.txid}/${coin!.vout}`, { key: t.keys.auditor, unchecked: true })).json
        .status,
    ).toBe('spent');
    await booksEqualChain();
  });
});
