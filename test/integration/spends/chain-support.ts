import { createHash } from 'node:crypto';
import type { Transaction } from 'bitcoinjs-lib';
import { expect } from 'vitest';
import { holdingsReport } from '../../../src/coins/index.js';
import { verifyLedger } from '../../../src/ledger/index.js';
import { eventTime } from '../../support/webhook.js';
import type { SpendsApp } from './fixture.js';

// What the reorg and valid-time tests of settlement share: tx.confirmed with a merkle branch computed
// here (not by src/chain/spv), balances, coin states now and as of a time, and the books-equal-chain check.

/** Bitcoin's double SHA-256. */
export const dsha = (b: Buffer) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

/** The merkle branch of the transaction at `index` among the block's, display hex. */
export function branchOf(txids: string[], index: number): string[] {
  let level: Buffer[] = txids.map((id) => Buffer.from(id, 'hex').reverse());
  const branch: string[] = [];
  let i = index;
  while (level.length > 1) {
    if (level.length % 2 === 1) level.push(level[level.length - 1]!);
    branch.push(
      Buffer.from(level[i ^ 1]!)
        .reverse()
        .toString('hex'),
    );
    const next: Buffer[] = [];
    for (let k = 0; k < level.length; k += 2) next.push(dsha(Buffer.concat([level[k]!, level[k + 1]!])));
    level = next;
    i >>= 1;
  }
  return branch;
}

/** tx.confirmed as the follower sends it, with the transaction's merkle proof in `block`. */
export function txConfirmed(
  tx: Transaction,
  block: { height: number; hash: string; block: { transactions?: Transaction[] } },
) {
  const txids = block.block.transactions!.map((x) => x.getId());
  const index = txids.indexOf(tx.getId());
  return {
    type: 'tx.confirmed',
    timestamp: eventTime(),
    data: {
      txid: tx.getId(),
      raw_tx_hex: tx.toHex(),
      block_height: block.height,
      block_hash: block.hash,
      tx_index: index,
      merkle_branch: branchOf(txids, index),
    },
  };
}

export function chainReads(t: SpendsApp) {
  async function balance(account: string): Promise<bigint> {
    const r = await t.request('GET', `/v1/ledger/accounts?prefix=${encodeURIComponent(account)}`, {
      key: t.keys.auditor,
      unchecked: true,
    });
    const found = (r.json?.items ?? []).find((a: { name: string }) => a.name === account);
    return BigInt(found?.balances?.find((b: { commodity: string }) => b.commodity === 'BTC')?.balance ?? '0');
  }

  async function coin(txid: string, vout: number) {
    return (await t.request('GET', `/v1/utxos/${txid}/${vout}`, { key: t.keys.auditor, unchecked: true })).json;
  }

  /** The ledger verifies and the holdings (the ledger's vault accounts) equal the UTXO set, state by state. */
  async function booksEqualChain() {
    expect((await verifyLedger(t.ctx())).ok).toBe(true);
    const report = await holdingsReport(t.ctx());
    expect(report.check).toEqual({ ledger_equals_utxo_set: true, mismatches: [] });
    expect(report.holdings.every((h) => h.consistent)).toBe(true);
    return report;
  }

  /** The UTXO export (as of a time when given): its lines by outpoint and its manifest. */
  async function utxoExport(asOf?: Date) {
    const query = asOf ? `?as_of=${asOf.toISOString()}` : '';
    const res = await t.request('GET', `/v1/exports/utxos${query}`, { key: t.keys.auditor, unchecked: true });
    expect(res.status, res.text).toBe(200);
    const lines = res.text
      .trimEnd()
      .split('\n')
      .map((l: string) => JSON.parse(l));
    type Line = { txid?: string; outpoint: string; status: string; amount_sat: string };
    const coins = new Map<string, Line>((lines as Line[]).filter((l) => l.txid).map((l) => [l.outpoint, l] as const));
    return { text: res.text as string, coins, manifest: lines[lines.length - 1].manifest };
  }

  /** An account's balance in the trial balance as of a time. */
  async function balanceAt(account: string, at: Date): Promise<bigint> {
    const res = await t.request('GET', `/v1/ledger/trial-balance?as_of=${at.toISOString()}`, { key: t.keys.auditor });
    const row = res.json.rows.find(
      (r: { account: string; commodity: string }) => r.account === account && r.commodity === 'BTC',
    );
    return BigInt(row?.balance ?? '0');
  }

  return { balance, coin, booksEqualChain, utxoExport, balanceAt };
}
