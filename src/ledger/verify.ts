// Recomputes the chain and the balances from the entries, as an auditor would with an export:
// seq continuity, prev_hash links, per-entry balance, each hash (canonical.ts, not the SQL),
// the chain head row, and every maintained balance against the sum of its postings.
import { raiseAlertOnce } from '../alerts/index.js';
import { type Ctx, executor, withTransaction } from '../context.js';
import { observeDuration } from '../http/metrics.js';
import { ledgerBalances, ledgerChainHead } from '../../db/schema/ledger.js';
import { balanceKey, ChainChecker, type ChainFault } from './chain-rules.js';
import { entryHash, GENESIS_HASH } from './canonical.js';
import { type PostedEntry, scaled, toCanonical } from './model.js';
import { selectEntries } from './queries.js';

export type VerifyResult =
  | { ok: true; count: bigint; head_hash: string }
  | { ok: false; seq: bigint | null; reason: string };

const PAGE = 2000;

/** A chain fault in the online verifier's words. */
function failure(fault: ChainFault, entry: PostedEntry): VerifyResult {
  const seq = entry.seq;
  switch (fault.rule) {
    case 'seq':
      return {
        ok: false,
        seq: fault.expected,
        reason: `entry ${fault.expected} is missing: the next entry has seq ${seq}`,
      };
    case 'prev_hash':
      return {
        ok: false,
        seq,
        reason: `prev_hash ${entry.prevHash} is not the hash of entry ${seq - 1n} (${fault.expected})`,
      };
    case 'postings':
      return { ok: false, seq, reason: `entry has ${fault.count} posting(s); at least two are required` };
    case 'balance':
      return {
        ok: false,
        seq,
        reason: `postings do not sum to zero in ${fault.unbalanced.map(([c]) => c).join(', ')}`,
      };
    case 'canonical':
      return { ok: false, seq, reason: `the entry cannot be put in canonical form: ${fault.message}` };
    case 'hash':
      return { ok: false, seq, reason: `hash mismatch: stored ${entry.hash}, recomputed ${fault.recomputed}` };
    default: // hash_format, amount: database columns are typed; a stored entry cannot break these
      return { ok: false, seq, reason: fault.rule };
  }
}

/**
 * Verifies the whole ledger; a failure raises ledger.verify_failed (once while an alert for the
 * same entry is open) and every run is timed for /metrics (reserve_verify_duration_seconds).
 */
export async function verifyLedger(ctx: Ctx): Promise<VerifyResult> {
  const started = performance.now();
  const result = await verifyEntries(ctx);
  observeDuration('verify', 'ledger', (performance.now() - started) / 1000);
  if (!result.ok) {
    await withTransaction(ctx, (tx) =>
      raiseAlertOnce(tx, {
        kind: 'ledger.verify_failed',
        message: `the ledger does not verify: ${result.reason}`,
        details: { seq: result.seq?.toString() ?? null, reason: result.reason },
        source: `ledger:${result.seq ?? 'balances'}`,
      }),
    );
  }
  return result;
}

async function verifyEntries(ctx: Ctx): Promise<VerifyResult> {
  const db = executor(ctx);
  const chain = new ChainChecker({ seq: 1n, prevHash: GENESIS_HASH });
  for (;;) {
    const page = await selectEntries(db, { afterSeq: chain.expectedSeq - 1n, limit: PAGE });
    for (const entry of page) {
      const postings = entry.postings.map((p) => ({
        account: p.account,
        commodity: p.commodity,
        units: scaled(p.amount),
      }));
      const fault = chain.add({ seq: entry.seq, prevHash: entry.prevHash, hash: entry.hash, postings }, (prev) =>
        entryHash(prev, toCanonical(entry)),
      );
      if (fault) return failure(fault, entry);
    }
    if (page.length < PAGE) break;
  }
  const count = chain.expectedSeq - 1n;
  const prev = chain.prev;
  const sums = new Map(chain.balances);

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
    const key = balanceKey(b.account, b.commodity);
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
