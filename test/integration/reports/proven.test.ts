// Holdings and proof of reserves show proven and unproven amounts apart (issue 12): a coinbase
// posted with its merkle branch is proven, a payment posted without one is not, an unconfirmed one
// never is; proven + unproven is the total in both reports, and a later proof moves a coin across.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_PARAMS, merkleBranchesDisplay } from '../../../src/chain/index.js';
import { coinbaseTx, mineBlock, paymentTx } from '../../support/regtest.js';
import { payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

const A = 5_000_000_000n; // the coinbase, proven
const B = 20_000n; // a payment in the same block, posted without a proof
const C = 7_000n; // a payment seen, in no block yet

let t: FleetApp;
let b1: ReturnType<typeof mineBlock>;
let pay: ReturnType<typeof paymentTx>;
let payBranch: string[];

beforeAll(async () => {
  t = await createFleetApp();
  const cb = coinbaseTx(1, [{ script: Buffer.from(t.addresses[1]!.script), valueSat: A }], 'proven');
  pay = paymentTx([{ script: Buffer.from(t.addresses[2]!.script), valueSat: B }], 41);
  const other = paymentTx([{ script: Buffer.from([0x51]), valueSat: 1n }], 42);
  b1 = mineBlock(1, CHAIN_PARAMS.regtest.genesisHash, [cb, other, pay]);
  await t.connect([b1]);
  const ids = b1.block.transactions!.map((x) => x.getId());
  const [cbBranch, branch] = merkleBranchesDisplay(ids, [0, 2]);
  payBranch = branch!;
  const post = async (data: Record<string, unknown>) => {
    const r = await t.send(payoutReceived({ site_id: 'dam-1', vout: 0, ...data }));
    expect(r.status, r.text).toBe(200);
  };
  await post({
    txid: cb.getId(),
    address: t.addresses[1]!.address,
    amount_sat: String(A),
    coinbase: true,
    block_height: 1,
    block_hash: b1.hash,
    raw_tx_hex: cb.toHex(),
    tx_index: 0,
    merkle_branch: cbBranch,
  });
  await post({
    txid: pay.getId(),
    address: t.addresses[2]!.address,
    amount_sat: String(B),
    coinbase: false,
    block_height: 1,
    block_hash: b1.hash,
    raw_tx_hex: pay.toHex(),
  });
  const seen = paymentTx([{ script: Buffer.from(t.addresses[3]!.script), valueSat: C }], 43);
  await post({ txid: seen.getId(), address: t.addresses[3]!.address, amount_sat: String(C), coinbase: false });
});
afterAll(async () => t?.close());

async function reports(query = '') {
  const get = async (path: string) => {
    const r = await t.request('GET', `${path}${query}`, { key: t.keys.auditor });
    expect(r.status, `${path}: ${r.text}`).toBe(200);
    return r.json;
  };
  return { holdings: await get('/v1/reports/holdings'), proof: await get('/v1/reports/proof-of-reserves') };
}

type Row = { status: string; amount_sat: string; proven_sat: string; unproven_sat: string };
const row = (h: { holdings: Row[] }, status: string) => h.holdings.find((r) => r.status === status);

function expectSplit(holdings: any, proof: any, proven: bigint, unproven: bigint) {
  // Holdings count the unconfirmed payment too; the proof's total does not (a node finds no such output).
  expect(BigInt(holdings.totals.proven_sat)).toBe(proven);
  expect(BigInt(holdings.totals.unproven_sat)).toBe(unproven + C);
  expect(BigInt(holdings.totals.proven_sat) + BigInt(holdings.totals.unproven_sat)).toBe(BigInt(holdings.total_sat));
  expect(BigInt(holdings.total_sat)).toBe(A + B + C);
  expect(row(holdings, 'unconfirmed')).toMatchObject({ proven_sat: '0', unproven_sat: String(C) });
  for (const r of holdings.holdings as Row[]) {
    expect(BigInt(r.proven_sat) + BigInt(r.unproven_sat), r.status).toBe(BigInt(r.amount_sat));
  }
  expect(BigInt(proof.total.proven_sat)).toBe(proven);
  expect(BigInt(proof.total.unproven_sat)).toBe(unproven);
  expect(BigInt(proof.total.proven_sat) + BigInt(proof.total.unproven_sat)).toBe(BigInt(proof.total.amount_sat));
  expect(BigInt(proof.total.amount_sat)).toBe(A + B);
  expect(proof.unconfirmed.amount_sat).toBe(String(C));
  const utxos = proof.addresses.flatMap((a: any) => a.utxos);
  const flagged = utxos.filter((u: any) => u.merkle_proven).reduce((s: bigint, u: any) => s + BigInt(u.amount_sat), 0n);
  expect(flagged).toBe(proven);
}

describe('proven and unproven amounts in holdings and proof of reserves', () => {
  it('the proven coinbase and the unproven payment, apart; the totals still equal holdings', async () => {
    const { holdings, proof } = await reports();
    expect(holdings.check.ledger_equals_utxo_set).toBe(true);
    expect(row(holdings, 'immature')).toMatchObject({
      amount_sat: String(A),
      proven_sat: String(A),
      unproven_sat: '0',
    });
    expect(row(holdings, 'available')).toMatchObject({
      amount_sat: String(B),
      proven_sat: '0',
      unproven_sat: String(B),
    });
    expectSplit(holdings, proof, A, B);
    const cbUtxo = proof.addresses.flatMap((a: any) => a.utxos).find((u: any) => u.coinbase);
    expect(cbUtxo).toMatchObject({ amount_sat: String(A), merkle_proven: true });
  });

  it('as of now (valid time) the split is the same, from the rewound UTXO set', async () => {
    const asOf = new Date(Date.now() + 60_000).toISOString();
    const { holdings, proof } = await reports(`?as_of=${asOf}`);
    expect(holdings.check.ledger_equals_utxo_set).toBeNull();
    expectSplit(holdings, proof, A, B);
  });

  it('the payment posted again with its branch becomes proven', async () => {
    const r = await t.send(
      payoutReceived({
        site_id: 'dam-1',
        vout: 0,
        txid: pay.getId(),
        address: t.addresses[2]!.address,
        amount_sat: String(B),
        coinbase: false,
        block_height: 1,
        block_hash: b1.hash,
        raw_tx_hex: pay.toHex(),
        tx_index: 2,
        merkle_branch: payBranch,
      }),
    );
    expect(r.status, r.text).toBe(200);
    const { holdings, proof } = await reports();
    expect(row(holdings, 'available')).toMatchObject({ proven_sat: String(B), unproven_sat: '0' });
    expectSplit(holdings, proof, A + B, 0n);
  });
});
