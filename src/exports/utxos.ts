// The UTXO set as JSON Lines, read through the payouts and policies services a page at a time.
import type { Ctx } from '../context.js';
import { getTip } from '../chain/index.js';
import { listUtxos, listUtxosAsOf, NOT_HELD_STATUSES, toUtxoView, type UtxoView } from '../coins/index.js';
import { resolveAddresses, type ResolvedAddress } from '../policies/index.js';

const PAGE = 500;

export interface UtxoExportSummary {
  count: number;
  /** Satoshis per policy and state, to reconcile with Assets:Bitcoin:<policy>:<State> in the ledger. */
  totals: Map<string, bigint>;
  /** Coins and satoshis per state: held (unconfirmed, immature, available, locked) apart from orphaned, spent and withdrawn. */
  byStatus: Map<string, { count: number; sat: bigint }>;
  tipHeight: number | null;
}

export interface UtxoLine extends Omit<UtxoView, 'confirmations' | 'raw_tx_proven' | 'updated_at'> {
  chain: number | null;
  index: number | null;
  derivation: { fingerprint: string; path: string }[];
}

/** A page of the UTXO set as recorded at `asOf` (the payouts module's coin history), each coin in its state then. */
async function pageAsOf(
  ctx: Ctx,
  asOf: Date,
  knownAt: Date | undefined,
  after: { txid: string; vout: bigint } | undefined,
) {
  const [rows, tip] = await Promise.all([listUtxosAsOf(ctx, { asOf, knownAt, after, limit: PAGE }), getTip(ctx)]);
  return { rows: rows.map((r) => ({ ...r.coin, status: r.statusAsOf })), tipHeight: tip.height };
}

/** Resolves the page's addresses not seen earlier in this export, all in one call (two reads). */
async function resolvePage(ctx: Ctx, page: readonly { address: string }[], cache: Map<string, ResolvedAddress | null>) {
  const missing = [...new Set(page.map((c) => c.address).filter((a) => !cache.has(a)))];
  if (missing.length === 0) return;
  if (cache.size > 10_000) cache.clear(); // bounded: many coins share few addresses
  const found = await resolveAddresses(ctx, missing).catch(() => null);
  for (const address of missing) cache.set(address, found?.get(address) ?? null);
}

/**
 * Every coin the reserve knows (or knew at `asOf`, its state then), with its policy,
 * address, derivation (chain, index, each signer's fingerprint and path), site, pool and block.
 */
export function utxoLines(ctx: Ctx, asOf: Date | null, knownAt?: Date) {
  const summary: UtxoExportSummary = { count: 0, totals: new Map(), byStatus: new Map(), tipHeight: null };
  async function* lines(): AsyncGenerator<string> {
    const addresses = new Map<string, ResolvedAddress | null>();
    let after: { txid: string; vout: bigint } | undefined;
    for (;;) {
      const { rows, tipHeight } = asOf
        ? await pageAsOf(ctx, asOf, knownAt, after)
        : await listUtxos(ctx, { after, limit: PAGE });
      summary.tipHeight ??= tipHeight;
      const page = rows.slice(0, PAGE);
      await resolvePage(ctx, page, addresses);
      let chunk = '';
      for (const coin of page) {
        const view = toUtxoView(coin, tipHeight);
        const status = view.status;
        const resolved = addresses.get(view.address) ?? null;
        const line: UtxoLine = {
          txid: view.txid,
          vout: view.vout,
          outpoint: view.outpoint,
          policy_id: view.policy_id,
          network: view.network,
          address: view.address,
          chain: resolved?.chain ?? null,
          index: resolved?.index ?? null,
          derivation: resolved?.bip32Derivations.map((d) => ({ fingerprint: d.fingerprint, path: d.path })) ?? [],
          amount_sat: view.amount_sat,
          amount_btc: view.amount_btc,
          coinbase: view.coinbase,
          site_id: view.site_id,
          pool: view.pool,
          block_height: view.block_height,
          block_hash: view.block_hash,
          status: status as UtxoView['status'],
          received_at: view.received_at,
        };
        chunk += `${JSON.stringify(line)}\n`;
        summary.count++;
        const key = `${view.policy_id}\u0000${status}`;
        summary.totals.set(key, (summary.totals.get(key) ?? 0n) + BigInt(view.amount_sat));
        const s = summary.byStatus.get(status) ?? { count: 0, sat: 0n };
        summary.byStatus.set(status, { count: s.count + 1, sat: s.sat + BigInt(view.amount_sat) });
      }
      if (chunk) yield chunk;
      if (rows.length <= PAGE) return;
      const last = page[page.length - 1]!;
      after = { txid: last.txid, vout: last.vout };
    }
  }
  return { lines: lines(), summary };
}

export function totalsView(totals: Map<string, bigint>) {
  return [...totals]
    .map(([key, sat]) => {
      const [policy_id, status] = key.split('\u0000') as [string, string];
      return { policy_id, status, amount_sat: sat.toString() };
    })
    .sort((a, b) => (a.policy_id < b.policy_id ? -1 : a.policy_id > b.policy_id ? 1 : a.status < b.status ? -1 : 1));
}

/** An orphaned coin never was on the chain, a spent one is gone, a withdrawn one is off it: none is held. */
const NOT_HELD = new Set<string>(NOT_HELD_STATUSES);

/** The manifest's per-state totals: every state apart, the held total without orphaned, spent and withdrawn coins. */
export function statusTotalsView(byStatus: Map<string, { count: number; sat: bigint }>) {
  let held = 0n;
  for (const [status, s] of byStatus) if (!NOT_HELD.has(status)) held += s.sat;
  const orphaned = byStatus.get('orphaned')?.sat ?? 0n;
  return {
    by_status: [...byStatus]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([status, s]) => ({ status, count: s.count, amount_sat: s.sat.toString() })),
    held_sat: held.toString(),
    orphaned_sat: orphaned.toString(),
  };
}
