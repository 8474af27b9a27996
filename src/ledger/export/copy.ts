// The CSV and JSON Lines exports on a PostgreSQL server: PostgreSQL itself writes the rows
// (COPY ... TO STDOUT), byte for byte what csv-stringify and JSON.stringify write on the
// embedded engine, at the speed of COPY. postgres.js 3.4.9 COPY on a reused pooled connection hung intermittently
// here (its issues #917, #499), so each export opens a connection of its own, bounded by an
// overall timeout, and closes it when the export ends or the client goes away.
import postgres from 'postgres';
import type { Db } from '../../../db/client.js';
import type { LedgerExportRange } from './range.js';

/** Far above any real export (a million postings take seconds), so only a hang meets it. */
export const COPY_TIMEOUT_MS = 15 * 60_000;

type PostgresClient = ReturnType<typeof postgres>;

/** The postgres.js client under a drizzle database, or null on the embedded engine. */
export function postgresClientOf(db: Db): PostgresClient | null {
  const client = (db as unknown as { $client?: unknown }).$client as
    | (PostgresClient & { options?: { host?: unknown } })
    | undefined;
  return client && typeof client.unsafe === 'function' && client.options?.host ? client : null;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The CSV columns of formats.ts, in SQL; trim_scale() gives the canonical decimal text. */
function copySql(from: bigint, to: bigint): string {
  // Bounds are bigints written as digits: COPY takes no bind parameters.
  return `copy (
    select e.seq, e.id, to_char(e.occurred_at at time zone 'UTC', ${ISO}), to_char(e.recorded_at at time zone 'UTC', ${ISO}),
      e.kind, e.description, e.source_type, e.source_id, e.actor, e.reverses_seq, e.prev_hash, e.hash, p.idx, p.account,
      p.commodity, coalesce(p.amount_sat::text, trim_scale(p.amount)::text),
      trim_scale(p.price_amount)::text || ' ' || p.price_commodity, trim_scale(p.cost_amount)::text || ' ' || p.cost_commodity
    from ledger_entries e join ledger_postings p on p.entry_id = e.id
    where e.seq between ${BigInt(from).toString()} and ${BigInt(to).toString()}
    order by e.seq, p.idx
  ) to stdout with (format csv)`;
}

const json = (expression: string) => `to_json(${expression})::text`;
const orNull = (expression: string) => `coalesce(${expression}, 'null')`;

/**
 * One JSON line per entry, exactly as JSON.stringify writes an ExportEntry: the same key
 * order, and to_json() escapes a string as JSON.stringify does (\", \\, \b \f \n \r \t,
 * \u00xx for other control characters, nothing else). Written by COPY in CSV mode with a
 * delimiter and quote that JSON text never holds raw, so COPY neither quotes nor escapes it.
 */
function copyJsonlSql(from: bigint, to: bigint): string {
  const posting = `'{"account":' || ${json('p.account')} || ',"commodity":' || ${json('p.commodity')}
    || ',"amount":"' || coalesce(p.amount_sat::text, trim_scale(p.amount)::text)
    || '","price":' || ${orNull(json(`trim_scale(p.price_amount)::text || ' ' || p.price_commodity`))}
    || ',"cost":' || ${orNull(json(`trim_scale(p.cost_amount)::text || ' ' || p.cost_commodity`))} || '}'`;
  // Postings from a subquery ordered by idx (the (entry_id, idx) index delivers them so) into
  // string_agg without its own ORDER BY: PostgreSQL 15 sorts an ordered aggregate's input per
  // group, and joining then grouping sorted a million wide rows first; this is ~18% less server
  // time (1,000,000 postings: ~5.0 s -> ~4.1 s, test/bench/export.bench.ts's database). The
  // order a sorted subquery feeds an aggregate is the order it aggregates in; a posting out of
  // order would change the entry's hash, which the verifier and the tests recompute.
  return `copy (
    select '{"seq":"' || e.seq || '","id":' || ${json('e.id')}
      || ',"occurred_at":"' || to_char(e.occurred_at at time zone 'UTC', ${ISO}) || '","recorded_at":"' || to_char(e.recorded_at at time zone 'UTC', ${ISO})
      || '","kind":' || ${json('e.kind')} || ',"description":' || ${json('e.description')} || ',"source_type":' || ${json('e.source_type')}
      || ',"source_id":' || ${json('e.source_id')} || ',"actor":' || ${json('e.actor')}
      || ',"reverses_seq":' || ${orNull(`'"' || e.reverses_seq || '"'`)} || ',"prev_hash":"' || e.prev_hash || '","hash":"' || e.hash
      || '","postings":[' || coalesce((select string_agg(s.posting, ',') from (
          select ${posting} as posting from ledger_postings p where p.entry_id = e.id order by p.idx) s), '') || ']}'
    from ledger_entries e
    where e.seq between ${BigInt(from).toString()} and ${BigInt(to).toString()}
    order by e.seq
  ) to stdout with (format csv, delimiter e'\\x01', quote e'\\x02')`;
}

/** The rows of the range as CSV or JSON Lines text, streamed from COPY on a connection of its own. */
export async function* copyRows(
  pool: PostgresClient,
  range: LedgerExportRange,
  format: 'csv' | 'jsonl',
): AsyncGenerator<Uint8Array> {
  if (range.toSeq < range.fromSeq) return;
  const o = pool.options as unknown as Record<string, unknown>;
  const own = postgres({
    host: o.host as string[],
    port: o.port as number[],
    path: o.path as string,
    database: o.database as string,
    user: o.user as string,
    pass: o.pass as string,
    ssl: o.ssl as boolean,
    max: 1,
    onnotice: () => {},
    connection: { application_name: 'reserve-export' },
  } as unknown as postgres.Options<Record<string, never>>);
  let timedOut = false;
  let finished = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void own.end({ timeout: 0 });
  }, COPY_TIMEOUT_MS);
  try {
    const statement = format === 'csv' ? copySql(range.fromSeq, range.toSeq) : copyJsonlSql(range.fromSeq, range.toSeq);
    const stream = await own.unsafe(statement).readable();
    try {
      // The bytes go out as PostgreSQL wrote them (UTF-8): no decoding and encoding again.
      for await (const chunk of stream) yield chunk as Buffer;
      finished = true;
    } catch (error) {
      throw timedOut ? new Error(`the ${format} export did not finish within ${COPY_TIMEOUT_MS} ms`) : error;
    }
  } finally {
    clearTimeout(timer);
    // Cut short (the client left, or an error): close at once rather than wait for COPY.
    await own.end({ timeout: finished ? 1 : 0 });
  }
}
