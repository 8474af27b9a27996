// Recomputes the chain and the balances from the entries, as an auditor would with an export:
// seq continuity, prev_hash links, per-entry balance, each hash (canonical.ts, not the SQL),
// the chain head row, and every maintained balance against the sum of its postings.
import { type Ctx, executor } from '../context.js';
import { ledgerBalances, ledgerChainHead } from '../../db/schema/ledger.js';
import { entryHash, GENESIS_HASH } from './canonical.js';
import { scaled, toCanonical } from './model.js';
import { selectEntries } from './queries.js';

export type VerifyResult =
  | { ok: true; count: bigint; head_hash: string }
  | { ok: false; seq: bigint | null; reason: string };

const PAGE = 2000;

export async function verifyLedger(ctx: Ctx): Promise<VerifyResult> {
  const db = executor(ctx);
  let expectedSeq = 1n;
  let prev = GENESIS_HASH;
  const sums = new Map<string, bigint>();
  for (;;) {
    const page = await selectEntries(db, { afterSeq: expectedSeq - 1n, limit: PAGE });
    for (const entry of page) {
      const seq = entry.seq;
      if (seq !== expectedSeq)
        return {
          ok: false,
          seq: expectedSeq,
          reason: `entry ${expectedSeq} is missing: the next entry has seq ${seq}`,
        };
      if (entry.prevHash !== prev)
        return { ok: false, seq, reason: `prev_hash ${entry.prevHash} is not the hash of entry ${seq - 1n} (${prev})` };
      if (entry.postings.length < 2)
        return { ok: false, seq, reason: `entry has ${entry.postings.length} posting(s); at least two are required` };
      const perCommodity = new Map<string, bigint>();
      for (const p of entry.postings) {
        const units = scaled(p.amount);
        perCommodity.set(p.commodity, (perCommodity.get(p.commodity) ?? 0n) + units);
        const key = `${p.account}\u0000${p.commodity}`;
        sums.set(key, (sums.get(key) ?? 0n) + units);
      }
      const unbalanced = [...perCommodity].filter(([, s]) => s !== 0n).map(([c]) => c);
      if (unbalanced.length > 0)
        return { ok: false, seq, reason: `postings do not sum to zero in ${unbalanced.join(', ')}` };
      let recomputed: string;
      try {
        recomputed = entryHash(prev, toCanonical(entry));
      } catch (error) {
        return { ok: false, seq, reason: `the entry cannot be put in canonical form: ${(error as Error).message}` };
      }
      if (recomputed !== entry.hash)
        return { ok: false, seq, reason: `hash mismatch: stored ${entry.hash}, recomputed ${recomputed}` };
      prev = entry.hash;
      expectedSeq = seq + 1n;
    }
    if (page.length < PAGE) break;
  }
  const count = expectedSeq - 1n;

  const [head] = await db.select().from(ledgerChainHead);
  if (!head || head.lastSeq !== count || head.lastHash !== prev) {
    return {
      ok: false,
      seq: count + 1n,
      reason: `the chain head says seq ${head?.lastSeq ?? 'none'} / ${head?.lastHash ?? 'none'}, the entries end at ${count} / ${prev}`,
    };
  }

  const balances = await db.select().from(ledgerBalances);
  for (const b of balances) {
    const key = `${b.account}\u0000${b.commodity}`;
    const fromEntries = sums.get(key) ?? 0n;
    const maintained = b.commodity === 'BTC' ? BigInt(b.balance) : scaled(b.balance);
    if (maintained !== fromEntries) {
      return {
        ok: false,
        seq: b.lastSeq,
        reason: `maintained balance of ${b.account} in ${b.commodity} is ${b.balance}; its postings sum to ${unscaled(b.commodity, fromEntries)}`,
      };
    }
    sums.delete(key);
  }
  for (const [key, sum] of sums) {
    if (sum === 0n) continue;
    const [account, commodity] = key.split('\u0000');
    return {
      ok: false,
      seq: null,
      reason: `no maintained balance for ${account} in ${commodity}; its postings sum to ${unscaled(commodity!, sum)}`,
    };
  }
  return { ok: true, count, head_hash: prev };
}

function unscaled(commodity: string, units: bigint): string {
  if (commodity === 'BTC') return units.toString();
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(19, '0');
  const text = `${digits.slice(0, -18)}.${digits.slice(-18)}`.replace(/\.?0+$/, '');
  return negative ? `-${text}` : text;
}
