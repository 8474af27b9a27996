// The demo's spends, after the year's blocks: an internal transfer from the cold vault to the warm
// one (two pool payouts chosen by coin control, so no coinbase input) and part of it back, each proposed by an officer key, approved by approver keys that are not
// the proposer, signed by two of the three cosigners, mined in a demo block and confirmed by
// tx.confirmed with its merkle proof. The spends module dates its steps by the wall clock (not by
// the chain), so the demo runs them today, in blocks dated today, after the year it loaded: the
// books show them "now", not at the year's month ends.
//
// The example policies allow no external destination (cold pays only regtest-warm, warm only
// regtest-cold), so the demo makes no external payment. The cold vault's 48-hour delay cannot be
// waited for by a build that takes minutes: its transfer is confirmed by the demo chain once signed,
// and Reserve records it as broadcast by the chain (docs/spends.md); the warm vault (no delay) goes
// through GET /transaction and POST /broadcast as an operator would.
import { BIP32Factory, type BIP32Interface } from 'bip32';
import { networks, Psbt, Transaction } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { type DemoChain, iso, proofsOf } from './chain.js';

const bip32 = BIP32Factory(ecc);

// The PUBLISHED test seeds the example policies (policies/regtest-*.yaml) are made from: BIP-32
// test vectors 1, 2 and 4. Anyone can spend coins under them; test and demo material only.
const PUBLISHED_TEST_SEEDS = [
  '000102030405060708090a0b0c0d0e0f',
  'fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542',
  '3ddd5602285899a946114506157c7997e5444528f3003f6134712147db19b678',
] as const;

/** The cosigners' master keys; each signs the inputs its fingerprint has a derivation in. */
const cosigners = (): BIP32Interface[] =>
  PUBLISHED_TEST_SEEDS.map((hex) => bip32.fromSeed(Buffer.from(hex, 'hex'), networks.regtest));

export interface DemoSpendKeys {
  /** The officer who proposes. */
  officer: string;
  /** Approver keys, none of them the proposer's: the cold vault needs three. */
  approvers: string[];
}

export type DemoApi = (method: string, path: string, body: unknown, key?: string) => Promise<unknown>;

interface SpendView {
  id: string;
  digest: string;
  state: string;
  policy_id: string;
}

/** A cosigner's wallet: signs every input (low R, as Bitcoin Core does) it holds a key of. */
function sign(psbtBase64: string, root: BIP32Interface): string {
  const psbt = Psbt.fromBase64(psbtBase64, { network: networks.regtest });
  const fingerprint = Buffer.from(root.fingerprint).toString('hex');
  psbt.data.inputs.forEach((input, i) => {
    for (const d of input.bip32Derivation ?? []) {
      if (Buffer.from(d.masterFingerprint).toString('hex') !== fingerprint) continue;
      const node = root.derivePath(d.path);
      node.lowR = true;
      psbt.signInput(i, node);
    }
  });
  return psbt.toBase64();
}

async function spend(
  api: DemoApi,
  keys: DemoSpendKeys,
  request: {
    policy_id: string;
    inputs?: unknown[];
    outputs: unknown[];
    purpose: string;
    approvals: number;
    delayed: boolean;
  },
): Promise<{ id: string; rawHex: string }> {
  const { approvals, delayed, ...body } = request;
  const p = (await api('POST', '/v1/spends', { ...body, fee_rate_sat_vb: 3 }, keys.officer)) as SpendView;
  for (const key of keys.approvers.slice(0, approvals))
    await api('POST', `/v1/spends/${p.id}/approvals`, { decision: 'approve', digest: p.digest }, key);
  const { psbt } = (await api('GET', `/v1/spends/${p.id}/psbt?format=base64`, undefined, keys.officer)) as {
    psbt: string;
  };
  // Two of the three cosigners, each from the PSBT as Reserve built it, uploaded apart.
  for (const root of cosigners().slice(0, 2))
    await api('POST', `/v1/spends/${p.id}/signatures`, { psbt: sign(psbt, root) }, keys.officer);
  if (!delayed) {
    const { raw_tx_hex } = (await api('GET', `/v1/spends/${p.id}/transaction`, undefined, keys.officer)) as {
      raw_tx_hex: string;
    };
    await api('POST', `/v1/spends/${p.id}/broadcast`, {}, keys.officer);
    return { id: p.id, rawHex: raw_tx_hex };
  }
  // Before the delay Reserve keeps the transaction to itself; the cosigners' merged PSBT gives it.
  const merged = (await api('GET', `/v1/spends/${p.id}/psbt?format=base64`, undefined, keys.officer)) as {
    psbt: string;
  };
  const final = Psbt.fromBase64(merged.psbt, { network: networks.regtest });
  final.finalizeAllInputs();
  return { id: p.id, rawHex: final.extractTransaction().toHex() };
}

/** Mines the spend's transaction in the next demo block at `at`, reports it confirmed with its merkle proof, checks it settled. */
async function confirm(
  api: DemoApi,
  chain: DemoChain,
  fleet: (e: never) => Promise<unknown>,
  { id, rawHex }: { id: string; rawHex: string },
  at: number,
) {
  const tx = Transaction.fromHex(rawHex);
  const block = await chain.connect(at, { txs: [tx] });
  const proof = proofsOf(block)[1]!;
  await fleet({
    type: 'tx.confirmed',
    timestamp: iso(at + 60_000),
    data: {
      txid: tx.getId(),
      raw_tx_hex: rawHex,
      block_height: block.height,
      block_hash: block.hash,
      tx_index: proof.txIndex,
      merkle_branch: proof.merkleBranch,
    },
  } as never);
  const settled = (await api('GET', `/v1/spends/${id}`, undefined)) as SpendView;
  if (settled.state !== 'confirmed') throw new Error(`demo spend ${id} is ${settled.state} after its block`);
  return tx.getId();
}

interface Coin {
  txid: string;
  vout: number;
  amount_sat: string;
  coinbase: boolean;
}

/** The `count` largest available pool payouts of the vault (coin control: no coinbase input, few coins spent). */
async function largestPayouts(api: DemoApi, key: string, policyId: string, count: number): Promise<Coin[]> {
  const coins: Coin[] = [];
  let cursor: string | null = null;
  do {
    const page = (await api(
      'GET',
      `/v1/utxos?policy_id=${policyId}&status=available&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      undefined,
      key,
    )) as { items: Coin[]; next_cursor: string | null };
    coins.push(...page.items.filter((c) => !c.coinbase));
    cursor = page.next_cursor;
  } while (cursor);
  const size = (c: Coin) => BigInt(c.amount_sat);
  return coins.sort((a, b) => (size(b) > size(a) ? 1 : size(b) < size(a) ? -1 : 0)).slice(0, count);
}

/** A share of `sat`, in whole thousands of satoshis. */
const shareOf = (sat: bigint, percent: bigint) => ((sat * percent) / 100n / 1000n) * 1000n;

/** The two transfers, today; returns their txids. */
export async function demoSpends(
  api: DemoApi,
  keys: DemoSpendKeys,
  chain: DemoChain,
  fleet: (e: never) => Promise<unknown>,
): Promise<string[]> {
  const now = Date.now();
  // Two pool payouts, 90% of them to the warm vault, the rest back as change.
  const inputs = await largestPayouts(api, keys.officer, 'regtest-cold', 2);
  const total = inputs.reduce((s, c) => s + BigInt(c.amount_sat), 0n);
  const out = await spend(api, keys, {
    policy_id: 'regtest-cold',
    inputs: inputs.map(({ txid, vout }) => ({ txid, vout })),
    outputs: [
      { policy_id: 'regtest-warm', amount_sat: shareOf(total, 90n).toString(), label: 'float for the warm vault' },
    ],
    purpose: 'move two pool payouts to the warm vault',
    approvals: 3,
    delayed: true,
  });
  const first = await confirm(api, chain, fleet, out, now - 120_000);
  // A third of the warm vault's coin back to the cold vault, the rest stays as warm change.
  const [warm] = await largestPayouts(api, keys.officer, 'regtest-warm', 1);
  const back = await spend(api, keys, {
    policy_id: 'regtest-warm',
    outputs: [
      {
        policy_id: 'regtest-cold',
        amount_sat: shareOf(BigInt(warm!.amount_sat), 33n).toString(),
        label: 'surplus float back to cold',
      },
    ],
    purpose: 'return surplus float to the cold vault',
    approvals: 2,
    delayed: false,
  });
  const second = await confirm(api, chain, fleet, back, now - 60_000);
  return [first, second];
}
