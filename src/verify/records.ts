// `reserve verify` for the record exports (the UTXO set and the audit log, JSON Lines with
// `{"manifest": {...}}` last): the body's SHA-256, the count, and what each manifest states of its
// lines (UTXO totals per policy and state, held apart from orphaned, spent and withdrawn; audit seqs in order
// and inside the range). Pure reading of one file: no database, no network.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { VerifyError } from './checker.js';
import { locateJsonlManifest } from './record-manifest.js';

export const RECORD_EXPORTS = ['utxos', 'audit-log'] as const;
export type RecordExportKind = (typeof RECORD_EXPORTS)[number];

const sat = z.string().regex(/^\d{1,16}$/, 'must be satoshis as a decimal string');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
const STATUSES = ['unconfirmed', 'immature', 'available', 'locked', 'spent', 'withdrawn', 'orphaned'] as const;
/** Not held: an orphaned coin never existed on the chain, a spent one is gone, a withdrawn one is off it. */
const NOT_HELD = new Set<string>(['orphaned', 'spent', 'withdrawn']);

const UtxoLine = z.looseObject({
  txid: hex64,
  vout: z.number().int().min(0),
  outpoint: z.string(),
  policy_id: z.string().min(1),
  amount_sat: sat,
  amount_btc: z.string(),
  status: z.enum(STATUSES),
});
const Total = z.strictObject({ policy_id: z.string(), status: z.string(), amount_sat: sat });
const UtxoManifest = z.looseObject({
  export: z.literal('utxos'),
  count: z.number().int().min(0),
  totals: z.array(Total),
  by_status: z.array(z.strictObject({ status: z.string(), count: z.number().int(), amount_sat: sat })).optional(),
  held_sat: sat.optional(),
  orphaned_sat: sat.optional(),
  body_sha256: hex64,
});

const AuditLine = z.looseObject({ seq: z.string().regex(/^\d{1,19}$/), at: z.string() });
const AuditManifest = z.looseObject({
  export: z.literal('audit-log'),
  from: z.string().nullable(),
  to: z.string(),
  first_seq: z.string().nullable(),
  last_seq: z.string().nullable(),
  count: z.number().int().min(0),
  body_sha256: hex64,
});

export interface RecordSummary {
  export: RecordExportKind;
  count: number;
  body_sha256: string;
  /** utxos: satoshis held (not orphaned, not spent) and orphaned; audit-log: the seq range. */
  held_sat?: string;
  orphaned_sat?: string;
  first_seq?: string | null;
  last_seq?: string | null;
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, line: number, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new VerifyError(line, `${what}: ${issue.path.join('.') || 'record'}: ${issue.message}`);
}

/** Checks a UTXO or audit-log export; resolves with a summary or rejects naming the first bad line. */
export async function verifyRecordExport(path: string): Promise<RecordSummary> {
  const located = await locateJsonlManifest(path);
  const kind = (located.manifest as { export?: unknown }).export;
  const checker =
    kind === 'utxos'
      ? utxoChecker(parsed(UtxoManifest, located.manifest, located.line, 'manifest'))
      : kind === 'audit-log'
        ? auditChecker(parsed(AuditManifest, located.manifest, located.line, 'manifest'))
        : null;
  if (!checker) throw new VerifyError(located.line, `manifest export "${String(kind)}" is not utxos or audit-log`);
  const hash = createHash('sha256');
  let rest = '';
  let line = 0;
  if (located.bodyBytes > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: located.bodyBytes - 1 })) {
      hash.update(chunk as Buffer);
      const lines = (rest + (chunk as Buffer).toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const text of lines) checker.take(text, ++line);
    }
  }
  if (rest !== '') throw new VerifyError(line + 1, 'the last line before the manifest does not end with a newline');
  const sha = hash.digest('hex');
  if (sha !== located.manifest.body_sha256)
    throw new VerifyError(0, `body SHA-256 is ${sha}, the manifest says ${String(located.manifest.body_sha256)}`);
  return { ...checker.finish(located.line), body_sha256: sha };
}

function json(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new VerifyError(line, 'not a JSON object');
  }
}

function utxoChecker(manifest: z.infer<typeof UtxoManifest>) {
  const totals = new Map<string, bigint>();
  const byStatus = new Map<string, { count: number; sat: bigint }>();
  const seen = new Set<string>();
  let count = 0;
  return {
    take(text: string, line: number) {
      const coin = parsed(UtxoLine, json(text, line), line, 'coin');
      if (coin.outpoint !== `${coin.txid}:${coin.vout}`)
        throw new VerifyError(line, `outpoint ${coin.outpoint} is not ${coin.txid}:${coin.vout}`);
      if (seen.has(coin.outpoint)) throw new VerifyError(line, `outpoint ${coin.outpoint} appears twice`);
      seen.add(coin.outpoint);
      const amount = BigInt(coin.amount_sat);
      const btc = `${amount / 100_000_000n}.${(amount % 100_000_000n).toString().padStart(8, '0')}`;
      if (coin.amount_btc !== btc) throw new VerifyError(line, `amount_btc ${coin.amount_btc} is not ${btc}`);
      const key = `${coin.policy_id}\u0000${coin.status}`;
      totals.set(key, (totals.get(key) ?? 0n) + amount);
      const s = byStatus.get(coin.status) ?? { count: 0, sat: 0n };
      byStatus.set(coin.status, { count: s.count + 1, sat: s.sat + amount });
      count++;
    },
    finish(manifestLine: number): RecordSummary {
      if (count !== manifest.count)
        throw new VerifyError(manifestLine, `${count} coins, the manifest says ${manifest.count}`);
      const stated = new Map(manifest.totals.map((t) => [`${t.policy_id}\u0000${t.status}`, BigInt(t.amount_sat)]));
      for (const [key, sum] of new Map([...totals, ...stated])) {
        const [policy, status] = key.split('\u0000');
        if ((totals.get(key) ?? 0n) !== (stated.get(key) ?? 0n))
          throw new VerifyError(
            manifestLine,
            `${policy} ${status}: the coins sum to ${totals.get(key) ?? 0n} sat, the manifest says ${stated.get(key) ?? 0n} (${sum})`,
          );
      }
      let held = 0n;
      let orphaned = 0n;
      for (const [status, s] of byStatus) {
        if (status === 'orphaned') orphaned += s.sat;
        else if (!NOT_HELD.has(status)) held += s.sat;
      }
      for (const s of manifest.by_status ?? []) {
        const mine = byStatus.get(s.status) ?? { count: 0, sat: 0n };
        if (mine.count !== s.count || mine.sat !== BigInt(s.amount_sat))
          throw new VerifyError(
            manifestLine,
            `status ${s.status}: ${mine.count} coins, ${mine.sat} sat; the manifest says ${s.count}, ${s.amount_sat}`,
          );
      }
      if (manifest.held_sat !== undefined && BigInt(manifest.held_sat) !== held)
        throw new VerifyError(manifestLine, `held coins sum to ${held} sat, the manifest says ${manifest.held_sat}`);
      if (manifest.orphaned_sat !== undefined && BigInt(manifest.orphaned_sat) !== orphaned)
        throw new VerifyError(
          manifestLine,
          `orphaned coins sum to ${orphaned} sat, the manifest says ${manifest.orphaned_sat}`,
        );
      return { export: 'utxos', count, body_sha256: '', held_sat: held.toString(), orphaned_sat: orphaned.toString() };
    },
  };
}

function auditChecker(manifest: z.infer<typeof AuditManifest>) {
  const from = manifest.from ? Date.parse(manifest.from) : null;
  const to = Date.parse(manifest.to);
  let last: bigint | null = null;
  let first: bigint | null = null;
  let count = 0;
  return {
    take(text: string, line: number) {
      const row = parsed(AuditLine, json(text, line), line, 'audit row');
      const seq = BigInt(row.seq);
      if (last !== null && seq <= last) throw new VerifyError(line, `seq ${seq} does not follow ${last}`);
      const at = Date.parse(row.at);
      if (Number.isNaN(at) || (from !== null && at < from) || at >= to)
        throw new VerifyError(line, `at ${row.at} is outside the range [${manifest.from ?? '-'}, ${manifest.to})`);
      first ??= seq;
      last = seq;
      count++;
    },
    finish(manifestLine: number): RecordSummary {
      if (count !== manifest.count)
        throw new VerifyError(manifestLine, `${count} rows, the manifest says ${manifest.count}`);
      const text = (v: bigint | null) => (v === null ? null : v.toString());
      if (text(first) !== manifest.first_seq || text(last) !== manifest.last_seq)
        throw new VerifyError(
          manifestLine,
          `rows run ${text(first)}..${text(last)}, the manifest says ${manifest.first_seq}..${manifest.last_seq}`,
        );
      return { export: 'audit-log', count, body_sha256: '', first_seq: text(first), last_seq: text(last) };
    },
  };
}
