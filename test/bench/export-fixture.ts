// Bulk-loads a large, valid ledger for the export benchmark. Posting 500,000 entries through
// the ledger's service (one trigger-hashed append at a time) would take many minutes here, so
// the chain is hashed in JS with canonical.ts and copied in with the triggers off (superuser,
// session_replication_role = replica); the benchmark then proves it valid by verifying it.
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import postgres from 'postgres';
import { entryHash, GENESIS_HASH } from '../../src/ledger/canonical.js';
import type { ExportEntry } from '../../src/ledger/export/formats.js';

const SITES = ['hydro-1', 'hydro-2', 'nuclear-night-3', 'gas-flare_4', 'hydro-5'];
const VAULTS = ['vault-a', 'cold.vault_b'];
const BASE_MS = Date.UTC(2026, 0, 1);

/** Entry i (0-based) of the synthetic ledger: payouts in BTC, every tenth an energy cost in BYN. */
function entryAt(i: number, prevHash: string): ExportEntry {
  const seq = String(i + 1);
  const site = SITES[i % SITES.length]!;
  const base = {
    seq,
    id: `ent_${(i + 1).toString(16).padStart(20, '0')}`,
    occurred_at: new Date(BASE_MS + i * 1000).toISOString(),
    recorded_at: new Date(BASE_MS + i * 1000 + 250).toISOString(),
    actor: 'fleet',
    reverses_seq: null,
    prev_hash: prevHash,
    hash: '',
  };
  let entry: ExportEntry;
  if (i % 10 === 9) {
    const byn = `${1500 + (i % 97)}.${(i % 100).toString().padStart(2, '0')}`.replace(/\.?0+$/, '');
    entry = {
      ...base,
      kind: 'energy.consumed',
      description: `Energy, ${site}, night tariff`,
      source_type: 'production_report',
      source_id: `rep_${i}`,
      postings: [
        {
          account: `Expenses:Energy:${site}`,
          commodity: 'BYN',
          amount: byn,
          price: '0.30864197530864197 USD',
          cost: null,
        },
        { account: 'Liabilities:Energy:belenergo', commodity: 'BYN', amount: `-${byn}`, price: null, cost: null },
      ],
    };
  } else {
    const sats = String(312_500_000 + (i % 1000) * 1237);
    entry = {
      ...base,
      kind: 'payout.received',
      description: `Payout from pool to site ${site}, block ${800_000 + i}`,
      source_type: 'payout',
      source_id: `pay_${i}`,
      postings: [
        {
          account: `Assets:Bitcoin:${VAULTS[i % 2]}:Unconfirmed`,
          commodity: 'BTC',
          amount: sats,
          price: null,
          cost: null,
        },
        {
          account: `Income:Mining:${site}`,
          commodity: 'BTC',
          amount: `-${sats}`,
          price: i % 4 === 0 ? '65000.25 USD' : null,
          cost: null,
        },
      ],
    };
  }
  entry.hash = entryHash(prevHash, entry);
  return entry;
}

function valuation(text: string | null): [string, string] | ['', ''] {
  if (text === null) return ['', ''];
  const [amount, commodity] = text.split(' ');
  return [amount!, commodity!];
}

/** Loads `entries` entries (two postings each) into a migrated, empty ledger. Returns the head hash. */
export async function loadLedger(url: string, entries: number): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`set session_replication_role = replica`;
    const accounts = new Set<string>();
    let prev = GENESIS_HASH;
    const BATCH = 10_000;
    const entryRows: string[] = [];
    const postingRows: string[] = [];
    const flush = async () => {
      await pipeline(
        async function* () {
          yield postingRows.join('');
        },
        (await sql`copy ledger_postings (entry_id, idx, account, commodity, amount_sat, amount, price_amount, price_commodity, cost_amount, cost_commodity) from stdin with (format csv)`.writable()) as Writable,
      );
      await pipeline(
        async function* () {
          yield entryRows.join('');
        },
        (await sql`copy ledger_entries (seq, id, occurred_at, recorded_at, kind, description, source_type, source_id, actor, reverses_seq, prev_hash, hash) from stdin with (format csv)`.writable()) as Writable,
      );
      entryRows.length = 0;
      postingRows.length = 0;
    };
    for (let i = 0; i < entries; i++) {
      const e = entryAt(i, prev);
      prev = e.hash;
      entryRows.push(
        stringify([
          [
            e.seq,
            e.id,
            e.occurred_at,
            e.recorded_at,
            e.kind,
            e.description,
            e.source_type,
            e.source_id,
            e.actor,
            '',
            e.prev_hash,
            e.hash,
          ],
        ]),
      );
      e.postings.forEach((p, idx) => {
        accounts.add(p.account);
        const btc = p.commodity === 'BTC';
        postingRows.push(
          stringify([
            [
              e.id,
              idx,
              p.account,
              p.commodity,
              btc ? p.amount : '',
              btc ? '' : p.amount,
              ...valuation(p.price),
              ...valuation(p.cost),
            ],
          ]),
        );
      });
      if ((i + 1) % BATCH === 0) await flush();
    }
    if (entryRows.length > 0) await flush();
    for (const name of accounts) {
      const type = {
        Assets: 'asset',
        Liabilities: 'liability',
        Income: 'income',
        Expenses: 'expense',
        Equity: 'equity',
      }[name.split(':')[0]!]!;
      await sql`insert into ledger_accounts (name, type) values (${name}, ${type})`;
    }
    await sql`update ledger_chain_head set last_seq = ${entries}, last_hash = ${prev} where id = 1`;
    await sql`insert into ledger_balances (account, commodity, balance, last_seq)
      select p.account, p.commodity, sum(coalesce(p.amount_sat::numeric, p.amount)), ${entries} from ledger_postings p group by 1, 2`;
    await sql`set session_replication_role = origin`;
    await sql`analyze`;
    return prev;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
