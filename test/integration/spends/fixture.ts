import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { networks, payments, Psbt, type Transaction } from 'bitcoinjs-lib';
import { rowsOf } from '../../../db/client.js';
import { formatPath } from '../../../src/bitcoin/path.js';
import { createKey } from '../../../src/keys/service.js';
import { listAddresses } from '../../../src/policies/service.js';
import { createTestApp, EXAMPLE_POLICIES_DIR, registerSites } from '../../support/app.js';
import { CHAIN_PARAMS } from '../../../src/chain/index.js';
import { mineBlock, coinbaseTx, paymentTx, type RegtestBlock } from '../../support/regtest.js';
import { blockConnectedWithHeader, payoutReceived, signEvent, TEST_SECRET } from '../../support/webhook.js';
import { SEEDS, signerOf, type TestSigner } from '../../unit/spends/fixtures.js';

// A spends test app: the example policies plus a 3-of-5 regtest vault (published test seeds), approver
// keys, coins paid to the vaults and confirmed through the fleet webhook, and the signers' keys.

/** An external destination no vault holds: a P2WPKH address of the abandon mnemonic at m/84'/1'/0'/0/0. */
export const EXTERNAL = payments.p2wpkh({
  pubkey: signerOf(SEEDS.abandon, 'p2wsh').root.derivePath("m/84'/1'/0'/0/0").publicKey,
  network: networks.regtest,
}).address!;

const FIVE_SEEDS = [SEEDS.v1, SEEDS.v2, SEEDS.v3, SEEDS.v4, SEEDS.abandon];

function policiesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'reserve-spends-'));
  for (const f of ['regtest-cold.yaml', 'regtest-warm.yaml', 'testnet-drill.yaml'])
    copyFileSync(join(EXAMPLE_POLICIES_DIR, f), join(dir, f));
  const signers = FIVE_SEEDS.map((s) => signerOf(s, 'p2wsh'));
  writeFileSync(
    join(dir, 'regtest-five.yaml'),
    [
      '# TEST MATERIAL ONLY: a 3-of-5 P2WSH vault from published test seeds.',
      'id: regtest-five',
      'name: Regtest 3-of-5 (test keys)',
      'network: regtest',
      'script: p2wsh',
      'threshold: 3',
      'signers:',
      ...signers.flatMap((s, i) => [
        `  - name: Signer ${i + 1}`,
        `    fingerprint: ${s.fingerprint}`,
        `    path: ${formatPath(s.path)}`,
        `    xpub: ${s.xpub}`,
      ]),
      'tier: warm',
      'spending:',
      '  approvals: 2',
      '  per_tx_limit_btc: "4"',
      '  daily_limit_btc: "6"',
      '  allowed_destinations:',
      `    - ${EXTERNAL}`,
      '    - policy:regtest-cold',
      '  delay_hours: 1',
      '',
    ].join('\n'),
  );
  return dir;
}

export const SIGNERS: Record<string, TestSigner[]> = {
  'regtest-cold': [SEEDS.v1, SEEDS.v2, SEEDS.v4].map((s) => signerOf(s, 'p2wsh')),
  'regtest-warm': [SEEDS.v1, SEEDS.v2, SEEDS.v4].map((s) => signerOf(s, 'p2sh-p2wsh')),
  'regtest-five': FIVE_SEEDS.map((s) => signerOf(s, 'p2wsh')),
};

export async function createSpendsApp() {
  const t = await createTestApp({ webhookSecrets: [TEST_SECRET], policiesDir: policiesDir() });
  await registerSites(t, ['dam-1']);
  const approvers: string[] = [];
  for (let i = 0; i < 4; i++)
    approvers.push((await createKey({ ctx: t.ctx(), input: { name: `approver ${i + 1}`, role: 'approver' } })).secret);
  const officer2 = (await createKey({ ctx: t.ctx(), input: { name: 'officer 2', role: 'officer' } })).secret;
  let tipHash = CHAIN_PARAMS.regtest.genesisHash;
  let height = 0;
  let seed = 1;

  async function send(event: unknown) {
    const signed = signEvent(event);
    // The webhook's own answers are checked by the payouts tests; here it only feeds the chain and coins.
    const r = await t.request('POST', '/v1/webhooks/fleet', {
      key: null,
      raw: signed.body,
      headers: signed.headers,
      unchecked: true,
    });
    if (r.status !== 200) throw new Error(`webhook ${JSON.stringify(event).slice(0, 80)} -> ${r.status} ${r.text}`);
    return r;
  }

  async function mine(count = 1): Promise<RegtestBlock[]> {
    const out: RegtestBlock[] = [];
    for (let i = 0; i < count; i++) {
      height += 1;
      const b = mineBlock(height, tipHash, [
        coinbaseTx(height, [{ script: Buffer.from([0x51]), valueSat: 5_000_000_000n }], 'spends'),
      ]);
      await send(blockConnectedWithHeader(b));
      tipHash = b.hash;
      out.push(b);
    }
    return out;
  }

  /** Mines a block holding `txs` on the tip (or on `on`, a fork) and connects it; it becomes the tip when it has the most work. */
  async function mineWith(txs: Transaction[], on?: { height: number; hash: string }, tag = 'settle', time?: number) {
    const parent = on ?? { height, hash: tipHash };
    const block = mineBlock(
      parent.height + 1,
      parent.hash,
      [coinbaseTx(parent.height + 1, [{ script: Buffer.from([0x51]), valueSat: 5_000_000_000n }], tag), ...txs],
      time,
    );
    await send(blockConnectedWithHeader(block));
    if (block.height > height) {
      height = block.height;
      tipHash = block.hash;
    }
    return block;
  }

  /** Pays each amount to a receive address of the policy in its own transaction, mined and confirmed. */
  async function fund(policyId: string, amountsSat: bigint[], firstIndex = 0) {
    const { items } = await listAddresses(t.ctx(), { policyId, chain: 0, from: firstIndex, count: amountsSat.length });
    const txs = amountsSat.map((valueSat, i) =>
      paymentTx([{ script: items[i]!.derived.scriptPubKey, valueSat }], seed++),
    );
    height += 1;
    const block = mineBlock(height, tipHash, [
      coinbaseTx(height, [{ script: Buffer.from([0x51]), valueSat: 5_000_000_000n }], 'fund'),
      ...txs,
    ]);
    for (const [i, tx] of txs.entries()) {
      await send(
        payoutReceived({
          site_id: 'dam-1',
          txid: tx.getId(),
          vout: 0,
          address: items[i]!.derived.address,
          amount_sat: amountsSat[i]!.toString(),
          coinbase: false,
          block_height: block.height,
          block_hash: block.hash,
          raw_tx_hex: tx.toHex(),
        }),
      );
    }
    await send(blockConnectedWithHeader(block));
    tipHash = block.hash;
    return txs.map((tx) => ({ txid: tx.getId(), vout: 0 }));
  }

  async function count(table: string): Promise<number> {
    return Number(
      rowsOf<{ n: number }>(await t.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n,
    );
  }

  /** Row counts of every table a spend verb may write, and the ledger head: a refusal changes none. */
  async function footprint() {
    const tables = [
      'spends',
      'spend_inputs',
      'spend_outputs',
      'spend_approvals',
      'spend_uploads',
      'utxos',
      'utxo_history',
      'policy_addresses',
      'ledger_entries',
      'audit_log',
      'alerts',
    ];
    const counts = Object.fromEntries(await Promise.all(tables.map(async (n) => [n, await count(n)])));
    const head = rowsOf<{ hash: string | null }>(
      await t.database.db.execute(
        sql`select max(hash) filter (where seq = (select max(seq) from ledger_entries)) as hash from ledger_entries`,
      ),
    )[0]?.hash;
    const live = await count('spend_inputs where live');
    return { ...counts, live, head };
  }

  async function psbtOf(id: string): Promise<Uint8Array> {
    const r = await t.request('GET', `/v1/spends/${id}/psbt`, { key: t.keys.auditor });
    if (r.status !== 200) throw new Error(`psbt ${r.status} ${r.text}`);
    return Buffer.from(
      (await t.request('GET', `/v1/spends/${id}/psbt?format=base64`, { key: t.keys.auditor })).json.psbt,
      'base64',
    );
  }

  async function upload(id: string, psbt: Uint8Array, asJson = false) {
    return asJson
      ? t.request('POST', `/v1/spends/${id}/signatures`, {
          key: t.keys.officer,
          body: { psbt: Buffer.from(psbt).toString('base64') },
        })
      : t.request('POST', `/v1/spends/${id}/signatures`, {
          key: t.keys.approver,
          raw: psbt,
          headers: { 'content-type': 'application/octet-stream' },
        });
  }

  return {
    ...t,
    approvers,
    officer2,
    send,
    mine,
    mineWith,
    fund,
    footprint,
    psbtOf,
    upload,
    count,
    tip: () => ({ height, hash: tipHash }),
    /** A block a test mined on tip() and connected becomes the tip (the next block builds on it). */
    advance: (b: RegtestBlock) => {
      height = b.height;
      tipHash = b.hash;
    },
  };
}

export type SpendsApp = Awaited<ReturnType<typeof createSpendsApp>>;
export { Psbt };
