import { RawPSBTV0 } from '@scure/btc-signer/psbt.js';
import { RawOldTx } from '@scure/btc-signer/script.js';
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdingsReport } from '../../../src/coins/index.js';
import { verifyLedger } from '../../../src/ledger/index.js';
import { settleTransaction } from '../../../src/spends/index.js';
import { payoutReceived, signEvent } from '../../support/webhook.js';
import { branchOf, dsha, txConfirmed } from './chain-support.js';
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

const mineWith = (txs: Transaction[], on?: { height: number; hash: string }, tag?: string, time?: number) =>
  t.mineWith(txs, on, tag, time);

/** Posts a webhook event and returns its answer, whatever the status (t.send throws on a refusal). */
async function deliver(event: unknown) {
  const signed = signEvent(event);
  return t.request('POST', '/v1/webhooks/fleet', {
    key: null,
    raw: signed.body,
    headers: signed.headers,
    unchecked: true,
  });
}

async function status(txid: string, vout: number): Promise<string> {
  return (await t.request('GET', `/v1/utxos/${txid}/${vout}`, { key: t.keys.auditor, unchecked: true })).json.status;
}

/** A spend of regtest-five proposed, approved by two approvers and signed by three cosigners (two wallets). */
async function signedSpend(body: Record<string, unknown>) {
  const p = await t.request('POST', '/v1/spends', {
    key: t.keys.officer,
    body: { policy_id: 'regtest-five', ...body },
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
  const { readSpend } = await import('../../../src/spends/index.js');
  const record = await readSpend(t.database.db, p.json.id);
  expect(record.spend.state).toBe('signed');
  return { proposal: p.json, tx: Transaction.fromHex(record.spend.finalTxHex!) };
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
    // Through the fleet webhook, as the follower sends it, with its merkle proof.
    const settled = await t.send(txConfirmed(tx, block));
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
    const listed = await t.request('GET', '/v1/utxos?status=spent&policy_id=regtest-five', { key: t.keys.auditor });
    expect(listed.json.items.map((u: { outpoint: string }) => u.outpoint).sort()).toEqual(
      p.json.inputs.map((i: { txid: string; vout: number }) => `${i.txid}:${i.vout}`).sort(),
    );
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
    // The follower then reports the vault outputs it saw in the block as payouts, under its own site: Reserve
    // already holds them (the settlement booked them), so each is answered 200 and nothing is booked again.
    const txids = block.block.transactions!.map((x) => x.getId());
    const index = txids.indexOf(tx.getId());
    const entries = async () => {
      const verified = await verifyLedger(t.ctx());
      expect(verified.ok).toBe(true);
      return verified.ok ? verified.count : -1n;
    };
    const ledgerBefore = await entries();
    for (const vout of [1, 2]) {
      const before = (await t.request('GET', `/v1/utxos/${tx.getId()}/${vout}`, { key: t.keys.auditor })).json;
      const payout = {
        site_id: 'dam-1',
        txid: tx.getId(),
        vout,
        address: before.address,
        amount_sat: before.amount_sat,
        coinbase: false,
        block_height: block.height,
        block_hash: block.hash,
        raw_tx_hex: tx.toHex(),
        tx_index: index,
        merkle_branch: branchOf(txids, index),
      };
      const seen = await deliver(payoutReceived(payout));
      expect(seen.status, seen.text).toBe(200);
      const now = (await t.request('GET', `/v1/utxos/${tx.getId()}/${vout}`, { key: t.keys.auditor })).json;
      expect({ ...now, merkle_proven: before.merkle_proven }).toEqual(before);
      // Other facts of the output must still agree (here the transaction itself says otherwise).
      const wrong = await deliver(payoutReceived({ ...payout, amount_sat: String(BigInt(before.amount_sat) + 1n) }));
      expect(wrong.status).toBe(422);
    }
    expect(await entries()).toBe(ledgerBefore);
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

  it("valid time: a spend is booked at its confirming block's time, not when its tx.confirmed was recorded", async () => {
    await t.fund('regtest-five', [70_000_000n]);
    const { proposal, tx } = await signedSpend({
      outputs: [{ address: EXTERNAL, amount_btc: '0.3', label: 'valid time' }],
      fee_rate_sat_vb: 2,
      purpose: 'booked at the block',
    });
    // The block's header time: half an hour after the spend's last step (within the 2 h a header may lead).
    const blockTime = Math.floor(Date.now() / 1000) + 1800;
    const block = await mineWith([tx], undefined, 'valid-time', blockTime);
    expect((await t.send(txConfirmed(tx, block))).json).toEqual({ outcome: 'settled', spendId: proposal.id });
    const at = (s: number) => new Date(s * 1000).toISOString();
    const statesAt = async (s: number) => {
      const res = await t.request('GET', `/v1/exports/utxos?as_of=${at(s)}`, { key: t.keys.auditor, unchecked: true });
      const lines = res.text
        .trimEnd()
        .split('\n')
        .map((l: string) => JSON.parse(l));
      return new Map(lines.filter((l: any) => l.txid).map((l: any) => [`${l.txid}:${l.vout}`, l.status as string]));
    };
    const disbursedAt = async (s: number) => {
      const res = await t.request('GET', `/v1/ledger/trial-balance?as_of=${at(s)}`, { key: t.keys.auditor });
      const row = res.json.rows.find(
        (r: any) => r.account === 'Expenses:Bitcoin:Disbursements' && r.commodity === 'BTC',
      );
      return BigInt(row?.balance ?? '0');
    };
    const before = await statesAt(blockTime - 60);
    const after = await statesAt(blockTime);
    for (const i of proposal.inputs) {
      expect(before.get(`${i.txid}:${i.vout}`), 'a minute before the block').toBe('locked');
      expect(after.get(`${i.txid}:${i.vout}`), 'at the block').toBe('spent');
    }
    expect(before.has(`${tx.getId()}:1`)).toBe(false);
    expect(after.get(`${tx.getId()}:1`)).toBe('available');
    expect((await disbursedAt(blockTime)) - (await disbursedAt(blockTime - 60))).toBe(30_000_000n);
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

  it("a payout's coin: the PSBT carries its previous transaction (non_witness_utxo), which hashes to the input's txid", async () => {
    const coins = await t.fund('regtest-five', [40_000_000n, 30_000_000n], 7);
    const p = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: {
        policy_id: 'regtest-five',
        outputs: [{ address: EXTERNAL, amount_btc: '0.5' }],
        fee_rate_sat_vb: 2,
        purpose: 'payout coins',
        inputs: coins,
      },
    });
    expect(p.status, p.text).toBe(201);
    const parsed = RawPSBTV0.decode(await t.psbtOf(p.json.id));
    expect(parsed.inputs).toHaveLength(2);
    for (const [i, input] of parsed.inputs.entries()) {
      const prev = input.nonWitnessUtxo;
      expect(prev, `input ${i}`).toBeDefined();
      // scure decodes the previous transaction; re-encoded without witness by scure and hashed here, it
      // is the txid the unsigned transaction's input spends.
      const raw = Buffer.from(
        RawOldTx.encode({
          version: prev!.version,
          inputs: prev!.inputs,
          outputs: prev!.outputs,
          lockTime: prev!.lockTime,
        }),
      );
      const spent = Buffer.from(parsed.global.unsignedTx!.inputs[i]!.txid).toString('hex');
      expect(spent).toBe(p.json.inputs[i].txid);
      expect(dsha(raw).reverse().toString('hex')).toBe(spent);
      expect(prev!.outputs[p.json.inputs[i].vout]!.amount).toBe(input.witnessUtxo!.amount);
    }
    await t.request('POST', `/v1/spends/${p.json.id}/cancel`, { key: t.keys.officer });
  });

  it('tx.confirmed with a forged merkle branch, or none where PAYOUT_PROOF is required: 422, nothing written', async () => {
    await t.fund('regtest-five', [60_000_000n], 10);
    const { proposal, tx } = await signedSpend({
      outputs: [{ address: EXTERNAL, amount_btc: '0.2' }],
      fee_rate_sat_vb: 3,
      purpose: 'forged proofs',
    });
    const block = await mineWith([tx]);
    const before = await t.footprint();
    const good = txConfirmed(tx, block);
    const forged = { ...good, data: { ...good.data, merkle_branch: [...good.data.merkle_branch] } };
    forged.data.merkle_branch[0] = forged.data.merkle_branch[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const r = await deliver(forged);
    expect(r.status, r.text).toBe(422);
    expect(r.json.errors[0].field).toBe('data.merkle_branch');
    const wrongIndex = await deliver({ ...good, data: { ...good.data, tx_index: 0 } });
    expect(wrongIndex.status, wrongIndex.text).toBe(422);
    process.env.PAYOUT_PROOF = 'required';
    try {
      const { tx_index, merkle_branch, ...bare } = good.data;
      const missing = await deliver({ ...good, data: bare });
      expect(missing.status, missing.text).toBe(422);
      expect(missing.json.errors[0].field).toBe('data.merkle_branch');
    } finally {
      delete process.env.PAYOUT_PROOF;
    }
    const after = await t.footprint();
    // The refused deliveries are audited (audit_log); nothing else moved.
    expect({ ...after, audit_log: 0 }).toEqual({ ...before, audit_log: 0 });
    expect((await t.send(good)).json).toEqual({ outcome: 'settled', spendId: proposal.id });
    await booksEqualChain();
  });

  it('a reorg of the confirming block sends the spend back to broadcast; confirmed again in another block, it settles again', async () => {
    await t.fund('regtest-five', [90_000_000n], 12);
    const { proposal, tx } = await signedSpend({
      outputs: [
        { address: EXTERNAL, amount_btc: '0.3', label: 'supplier' },
        { policy_id: 'regtest-cold', amount_btc: '0.2', label: 'to cold' },
      ],
      fee_rate_sat_vb: 2,
      purpose: 'reorged',
    });
    const parent = t.tip();
    const disbursed = BigInt(await balance('Expenses:Bitcoin:Disbursements'));
    const fees = BigInt(await balance('Expenses:Bitcoin:NetworkFees'));
    const cold = BigInt(await balance('Assets:Bitcoin:regtest-cold:Available'));
    const block = await mineWith([tx]);
    expect((await t.send(txConfirmed(tx, block))).json.outcome).toBe('settled');
    expect(await status(tx.getId(), 1)).toBe('available');
    await booksEqualChain();
    // A heavier fork from the block's parent: two blocks without the transaction.
    const fork1 = await mineWith([], parent, 'fork');
    const fork2 = await mineWith([], fork1, 'fork');
    expect(t.tip().hash).toBe(fork2.hash);
    const back = await t.request('GET', `/v1/spends/${proposal.id}`, { key: t.keys.auditor });
    expect(back.json).toMatchObject({ state: 'broadcast', block_hash: null, block_height: null });
    for (const i of proposal.inputs) expect(await status(i.txid, i.vout)).toBe('locked');
    // Its vault outputs are withdrawn (never spent, off the chain) until the transaction is confirmed again.
    expect(await status(tx.getId(), 1)).toBe('withdrawn');
    expect(BigInt(await balance('Expenses:Bitcoin:Disbursements'))).toBe(disbursed);
    expect(BigInt(await balance('Expenses:Bitcoin:NetworkFees'))).toBe(fees);
    expect(BigInt(await balance('Assets:Bitcoin:regtest-cold:Available'))).toBe(cold);
    await booksEqualChain();
    // Re-mined on the fork: the same transaction settles the spend again, in the new block.
    const again = await mineWith([tx], fork2, 'fork');
    expect((await t.send(txConfirmed(tx, again))).json).toEqual({ outcome: 'settled', spendId: proposal.id });
    const settled = await t.request('GET', `/v1/spends/${proposal.id}`, { key: t.keys.auditor });
    expect(settled.json).toMatchObject({ state: 'confirmed', block_hash: again.hash, block_height: again.height });
    for (const i of proposal.inputs) expect(await status(i.txid, i.vout)).toBe('spent');
    const transfer = await t.request('GET', `/v1/utxos/${tx.getId()}/1`, { key: t.keys.auditor, unchecked: true });
    expect(transfer.json).toMatchObject({ status: 'available', block_hash: again.hash, amount_sat: '20000000' });
    expect(BigInt(await balance('Expenses:Bitcoin:Disbursements')) - disbursed).toBe(30_000_000n);
    expect(BigInt(await balance('Expenses:Bitcoin:NetworkFees')) - fees).toBe(BigInt(proposal.fee_sat));
    expect(BigInt(await balance('Assets:Bitcoin:regtest-cold:Available')) - cold).toBe(20_000_000n);
    await booksEqualChain();
  });
});
