// The as-of rule (docs/reports.md), issue 13: at a period end every report says the same thing,
// by valid time (block time, payout period, event time), also when a payout is loaded late; and
// known_at answers "what did the reserve report then": before the late payout was recorded, every
// report leaves it out, after, every report has it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegtestChain } from '../../support/chain.js';
import { payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

let t: FleetApp;
let beforeLate: Date;
const A = 312_500_000n;
const B = 156_250_000n;

beforeAll(async () => {
  t = await createFleetApp();
  const chain = RegtestChain.fromGenesis();
  // Each block's header time is the time it was found (the block time income is booked at).
  const blocks = ['2026-06-10T08:00:00Z', '2026-06-20T08:00:00Z'].map((time, i) =>
    chain.mine({ time, payTo: [{ script: t.addresses[i + 1]!.script, valueSat: i === 0 ? A : B }] }),
  );
  const arrive = async (i: number, at: string) => {
    const b = blocks[i]!;
    expect((await t.send(chain.connected(b, at))).status).toBe(200);
    const cb = b.txs[0]!;
    const sent = await t.send(
      payoutReceived(
        {
          site_id: 'dam-1',
          pool: 'own',
          txid: cb.getId(),
          vout: 0,
          address: t.addresses[i + 1]!.address,
          amount_sat: String(i === 0 ? A : B),
          coinbase: true,
          block_height: b.height,
          block_hash: b.hash,
          raw_tx_hex: cb.toHex(),
        },
        at,
      ),
    );
    expect(sent.status, sent.text).toBe(200);
  };
  await arrive(0, '2026-06-10T08:00:00Z');
  await new Promise((r) => setTimeout(r, 30));
  beforeLate = new Date();
  await new Promise((r) => setTimeout(r, 30));
  await arrive(1, '2026-06-20T08:00:00Z'); // recorded now, but its block is of 20 June
});
afterAll(async () => t?.close());

const END = '2026-06-30T23:59:59.999Z';

/** Satoshis held as of END (and known_at) in every report. */
async function everyReport(knownAt?: Date) {
  const k = knownAt ? `&known_at=${knownAt.toISOString()}` : '';
  const get = async (path: string) => {
    const res = await t.request('GET', path, { key: t.keys.auditor });
    expect(res.status, `${path}: ${res.text}`).toBe(200);
    return res;
  };
  const holdings = (await get(`/v1/reports/holdings?as_of=${END}${k}`)).json;
  const proof = (await get(`/v1/reports/proof-of-reserves?as_of=${END}${k}`)).json;
  const utxos = (await get(`/v1/exports/utxos?as_of=${END}${k}`)).text.trimEnd().split('\n');
  const trial = (await get(`/v1/ledger/trial-balance?as_of=${END}${k}`)).json;
  const vaults = trial.rows
    .filter((r: any) => r.commodity === 'BTC' && r.account.startsWith('Assets:Bitcoin:'))
    .reduce((s: bigint, r: any) => s + BigInt(r.balance), 0n);
  return {
    holdings: BigInt(holdings.totals.amount_sat),
    proof: BigInt(proof.total.amount_sat),
    utxo_export: BigInt(JSON.parse(utxos.pop()!).manifest.held_sat),
    trial_balance: vaults,
  };
}

describe('as of a period end, every report agrees', () => {
  it('by valid time: the late payout is in June everywhere, the roll-forward closes June with it', async () => {
    expect(await everyReport()).toEqual({ holdings: A + B, proof: A + B, utxo_export: A + B, trial_balance: A + B });
    const rf = await t.request(
      'GET',
      '/v1/reports/rollforward?from=2026-06-01T00:00:00Z&to=2026-07-01T00:00:00Z&currency=USD',
      { key: t.keys.auditor },
    );
    expect(rf.status, rf.text).toBe(200);
    expect(BigInt(rf.json.closing.amount_sat)).toBe(A + B);
    // Before either block: nothing, in every report.
    const may = await t.request('GET', '/v1/reports/proof-of-reserves?as_of=2026-05-31T23:59:59Z', {
      key: t.keys.auditor,
    });
    expect(may.json.total.amount_sat).toBe('0');
  });

  it('known_at before the late payout was recorded: every report leaves it out; after: every report has it', async () => {
    expect(await everyReport(beforeLate)).toEqual({ holdings: A, proof: A, utxo_export: A, trial_balance: A });
    expect(await everyReport(new Date())).toEqual({
      holdings: A + B,
      proof: A + B,
      utxo_export: A + B,
      trial_balance: A + B,
    });
  });
});
