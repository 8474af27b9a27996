import { networks, Psbt, script as bscript, Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { coinbaseTx, mineBlock, paymentTx } from '../../support/regtest.js';
import { payoutReceived } from '../../support/webhook.js';
import { SEEDS, signerOf, signWithBitcoinjs } from '../../unit/spends/fixtures.js';
import { createSpendsApp, EXTERNAL, SIGNERS, type SpendsApp } from './fixture.js';
import { listAddresses } from '../../../src/policies/service.js';

// Every refusal the issue lists, each proved to change nothing: the row counts of every table a spend
// may write, the live locks and the ledger head are the same before and after.

let t: SpendsApp;
let approved: { id: string; digest: string };
let proposed: { id: string; digest: string };

beforeAll(async () => {
  t = await createSpendsApp();
  await t.mine(1);
  await t.fund('regtest-warm', [100_000_000n, 90_000_000n, 80_000_000n, 70_000_000n]);
  const propose = async (amount: string, key = t.keys.officer) => {
    const r = await t.request('POST', '/v1/spends', {
      key,
      body: {
        policy_id: 'regtest-warm',
        outputs: [{ policy_id: 'regtest-cold', amount_btc: amount }],
        fee_rate_sat_vb: 2,
        purpose: 'test',
      },
    });
    expect(r.status, r.text).toBe(201);
    return r.json;
  };
  approved = await propose('0.5');
  for (const key of t.approvers.slice(0, 2))
    expect(
      (
        await t.request('POST', `/v1/spends/${approved.id}/approvals`, {
          key,
          body: { decision: 'approve', digest: approved.digest },
        })
      ).status,
    ).toBe(200);
  proposed = await propose('0.4', t.keys.admin);
});
afterAll(async () => {
  vi.useRealTimers();
  await t?.close();
});

async function refused(
  call: () => Promise<{ status: number; json: any; text: string; headers: Headers }>,
  status: number,
  rule?: string,
) {
  const before = await t.footprint();
  const r = await call();
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/problem\+json/);
  if (rule) expect(r.json.rule ?? r.json.code).toBe(rule);
  expect(await t.footprint()).toEqual(before);
  return r;
}

const propose = (body: Record<string, unknown>) =>
  t.request('POST', '/v1/spends', {
    key: t.keys.officer,
    body: { policy_id: 'regtest-warm', fee_rate_sat_vb: 2, purpose: 'test', ...body },
  });

describe('signature refusals', () => {
  const keyFor = (signer: number, path: string) => SIGNERS['regtest-warm']![signer]!.root.derivePath(path);
  async function tampered(edit: (psbt: Psbt, hash: Uint8Array, path: string) => void) {
    const psbt = Psbt.fromBuffer(await t.psbtOf(approved.id), { network: networks.regtest });
    const input = psbt.data.inputs[0]!;
    const tx = Transaction.fromBuffer(
      (psbt.data.globalMap.unsignedTx as unknown as { toBuffer(): Uint8Array }).toBuffer(),
    );
    const hash = tx.hashForWitnessV0(0, input.witnessScript!, input.witnessUtxo!.value, Transaction.SIGHASH_ALL);
    const path = input.bip32Derivation!.find(
      (d) => Buffer.from(d.masterFingerprint).toString('hex') === SIGNERS['regtest-warm']![0]!.fingerprint,
    )!.path;
    edit(psbt, hash, path);
    return psbt.toBuffer();
  }

  it('a PSBT of another transaction', async () => {
    const other = signWithBitcoinjs(await t.psbtOf(proposed.id), SIGNERS['regtest-warm']![0]!);
    await refused(() => t.upload(approved.id, other), 422, 'psbt_other_transaction');
  });
  it('a signature from a foreign key', async () => {
    const foreign = signerOf(SEEDS.abandon, 'p2wsh').root.derivePath("m/84'/1'/0'/0/3");
    const bytes = await tampered((psbt, hash) => {
      psbt.data.inputs[0]!.partialSig = [
        { pubkey: foreign.publicKey, signature: bscript.signature.encode(foreign.sign(hash), 1) },
      ];
    });
    await refused(() => t.upload(approved.id, bytes), 422, 'signature_foreign_key');
  });
  it('a forged signature (a cosigner key over another message)', async () => {
    const bytes = await tampered((psbt, _hash, path) => {
      const key = keyFor(0, path);
      psbt.data.inputs[0]!.partialSig = [
        { pubkey: key.publicKey, signature: bscript.signature.encode(key.sign(Buffer.alloc(32, 9)), 1) },
      ];
    });
    await refused(() => t.upload(approved.id, bytes), 422, 'signature_invalid');
  });
  it('SIGHASH_NONE', async () => {
    const bytes = await tampered((psbt, _hash, path) => {
      const key = keyFor(0, path);
      const input = psbt.data.inputs[0]!;
      const tx = Transaction.fromBuffer(
        (psbt.data.globalMap.unsignedTx as unknown as { toBuffer(): Uint8Array }).toBuffer(),
      );
      const none = tx.hashForWitnessV0(0, input.witnessScript!, input.witnessUtxo!.value, Transaction.SIGHASH_NONE);
      input.partialSig = [
        { pubkey: key.publicKey, signature: bscript.signature.encode(key.sign(none), Transaction.SIGHASH_NONE) },
      ];
    });
    await refused(() => t.upload(approved.id, bytes), 422, 'sighash_not_all');
  });
  it('signatures before the quorum approved', async () => {
    const bytes = signWithBitcoinjs(await t.psbtOf(proposed.id), SIGNERS['regtest-warm']![0]!);
    await refused(() => t.upload(proposed.id, bytes), 409, 'state');
  });
});

describe('approval refusals', () => {
  const approve = (id: string, key: string, digest: string) =>
    t.request('POST', `/v1/spends/${id}/approvals`, { key, body: { decision: 'approve', digest } });
  it('the proposer approving', async () => {
    await refused(() => approve(proposed.id, t.keys.admin, proposed.digest), 403, 'proposer_approval');
  });
  it('a second approval by the same key', async () => {
    expect((await approve(proposed.id, t.approvers[0]!, proposed.digest)).status).toBe(200);
    await refused(() => approve(proposed.id, t.approvers[0]!, proposed.digest), 409, 'one_decision_per_key');
  });
  it('a stale digest', async () => {
    await refused(() => approve(proposed.id, t.approvers[1]!, approved.digest), 409, 'stale_digest');
  });
});

describe('proposal refusals', () => {
  it('a destination not allowed, and an invalid one', async () => {
    await refused(
      () => propose({ outputs: [{ address: EXTERNAL, amount_sat: '100000' }] }),
      422,
      'allowed_destinations',
    );
    await refused(
      () => propose({ outputs: [{ address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', amount_sat: '100000' }] }),
      422,
      'validation_failed',
    );
  });
  it('over the per-transaction limit', async () => {
    const r = await refused(
      () => propose({ outputs: [{ policy_id: 'regtest-cold', amount_btc: '5.00000001' }] }),
      422,
      'per_tx_limit_btc',
    );
    expect(r.json.per_tx_limit_btc).toBe('5.00000000');
  });
  it('over the 24-hour limit, pending spends counted', async () => {
    // 0.5 (approved) + 0.4 (proposed) are live: 10.5 - 0.9 = 9.6 BTC left today, more than the vault holds,
    // so fund it first, then ask for 9.7.
    await t.fund('regtest-warm', [400_000_000n, 400_000_000n, 300_000_000n], 10);
    await refused(
      () =>
        propose({
          outputs: [
            { policy_id: 'regtest-cold', amount_btc: '4.8' },
            { policy_id: 'regtest-cold', amount_btc: '4.9' },
          ],
        }),
      422,
      'per_tx_limit_btc',
    );
    const a = await propose({ outputs: [{ policy_id: 'regtest-cold', amount_btc: '4.9' }] });
    expect(a.status, a.text).toBe(201);
    const r = await refused(
      () => propose({ outputs: [{ policy_id: 'regtest-cold', amount_btc: '4.8' }] }),
      422,
      'daily_limit_btc',
    );
    expect(r.json.last_24h_btc).toBe('5.80000000');
  });
  it('fee rates out of bounds and an output under the dust limit', async () => {
    await refused(
      () => propose({ outputs: [{ policy_id: 'regtest-cold', amount_sat: '100000' }], fee_rate_sat_vb: 0.5 }),
      422,
      'fee_rate_too_low',
    );
    await refused(
      () => propose({ outputs: [{ policy_id: 'regtest-cold', amount_sat: '100000' }], fee_rate_sat_vb: 1001 }),
      422,
      'fee_rate_too_high',
    );
    await refused(() => propose({ outputs: [{ policy_id: 'regtest-cold', amount_sat: '329' }] }), 422, 'dust'); // P2WSH: 330 sat
    await refused(
      () => propose({ outputs: [{ policy_id: 'regtest-cold', amount_sat: '5000' }], fee_rate_sat_vb: 50 }),
      422,
      'fee_over_share',
    );
  });
  it('unconfirmed and immature coins chosen by hand', async () => {
    const { items } = await listAddresses(t.ctx(), { policyId: 'regtest-warm', chain: 0, from: 4, count: 2 });
    const pending = paymentTx([{ script: items[0]!.derived.scriptPubKey, valueSat: 50_000_000n }], 777);
    await t.send(
      payoutReceived({
        site_id: 'dam-1',
        txid: pending.getId(),
        vout: 0,
        address: items[0]!.derived.address,
        amount_sat: '50000000',
        coinbase: false,
        raw_tx_hex: pending.toHex(),
      }),
    );
    const tip = t.tip();
    const cb = coinbaseTx(tip.height + 1, [{ script: items[1]!.derived.scriptPubKey, valueSat: 312_500_000n }], 'imm');
    const block = mineBlock(tip.height + 1, tip.hash, [cb]);
    await t.send(
      payoutReceived({
        site_id: 'dam-1',
        txid: cb.getId(),
        vout: 0,
        address: items[1]!.derived.address,
        amount_sat: '312500000',
        coinbase: true,
        block_height: block.height,
        block_hash: block.hash,
        raw_tx_hex: cb.toHex(),
      }),
    );
    const outputs = [{ policy_id: 'regtest-cold', amount_sat: '1000000' }];
    await refused(() => propose({ outputs, inputs: [{ txid: pending.getId(), vout: 0 }] }), 422, 'input_not_available');
    await refused(() => propose({ outputs, inputs: [{ txid: cb.getId(), vout: 0 }] }), 422, 'input_not_available');
  });
});

describe('time', () => {
  it('the raw transaction before the delay, and an expired spend', async () => {
    await refused(
      () => t.request('GET', `/v1/spends/${approved.id}/transaction`, { key: t.keys.officer }),
      409,
      'state',
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 73 * 3_600_000);
    await refused(
      () =>
        t.request('POST', `/v1/spends/${proposed.id}/approvals`, {
          key: t.approvers[1],
          body: { decision: 'approve', digest: proposed.digest },
        }),
      409,
      'expired',
    );
    vi.useRealTimers();
  });
});
