// The chain and balance checks of the offline verifier: pure, no database, no network.
// Fed one entry at a time in file order; throws a VerifyError naming the first bad line.
import {
  type BalanceLine,
  balanceKey as key,
  ChainChecker,
  type ChainFault,
  type ExportEntry,
  type LedgerManifest,
} from '../ledger/pure.js';
import { formatScaled, parseScaled } from './decimal.js';
import { fastEntryHash } from './hash.js';
import type { PreparedEntry } from './readers/types.js';

export class VerifyError extends Error {
  constructor(
    /** 1-based line of the file where the problem is, or 0 when it is about the whole file. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `line ${line}: ${reason}` : reason);
    this.name = 'VerifyError';
  }
}

export interface VerifySummary {
  format: string;
  entries: number;
  postings: number;
  from_seq: string;
  to_seq: string;
  prev_hash: string;
  head_hash: string;
  closing_balances: BalanceLine[];
  body_sha256: string;
}

const BTC_AMOUNT = /^-?\d{1,20}$/;

/** An amount in its commodity's unit of account here: satoshis for BTC, 10^-18 for fiat; null if not an amount. */
export function units(commodity: string, text: string): bigint | null {
  if (commodity === 'BTC') return BTC_AMOUNT.test(text) ? BigInt(text) : null;
  return parseScaled(text);
}

function unitsText(commodity: string, value: bigint): string {
  return commodity === 'BTC' ? value.toString() : formatScaled(value);
}

function balanceMap(lines: BalanceLine[], line: number, what: string): Map<string, bigint> {
  const map = new Map<string, bigint>();
  for (const b of lines) {
    const amount = units(b.commodity, b.amount);
    if (amount === null)
      throw new VerifyError(
        line,
        `manifest ${what}: ${b.account} ${b.commodity} amount "${b.amount}" is not a valid amount`,
      );
    map.set(key(b.account, b.commodity), amount);
  }
  return map;
}

/** Non-zero lines sorted by account then commodity (code unit order), amounts canonical. */
export function balanceLines(map: Map<string, bigint>): BalanceLine[] {
  const lines: BalanceLine[] = [];
  for (const [k, amount] of map) {
    if (amount === 0n) continue;
    const [account, commodity] = k.split('\u0000') as [string, string];
    lines.push({ account, commodity, amount: unitsText(commodity, amount) });
  }
  return lines.sort((a, b) =>
    a.account < b.account
      ? -1
      : a.account > b.account
        ? 1
        : a.commodity < b.commodity
          ? -1
          : a.commodity > b.commodity
            ? 1
            : 0,
  );
}

/** A chain fault in the offline verifier's words, naming the line. */
function failure(fault: ChainFault, entry: ExportEntry, line: number): VerifyError {
  const at = `entry seq ${entry.seq}`;
  switch (fault.rule) {
    case 'seq':
      return new VerifyError(
        line,
        `entry seq ${entry.seq} where seq ${fault.expected} was expected: an entry is missing, duplicated or out of order`,
      );
    case 'prev_hash':
      return new VerifyError(
        line,
        `${at}: prev_hash ${entry.prev_hash} does not link to the hash before it (${fault.expected})`,
      );
    case 'hash_format':
      return new VerifyError(line, `${at}: hash is not 64 lowercase hex characters`);
    case 'postings':
      return new VerifyError(line, `${at}: has ${fault.count} posting(s); an entry has at least two`);
    case 'amount': {
      const posting = entry.postings[fault.index]!;
      return new VerifyError(
        line,
        `${at}: amount "${posting.amount}" of ${posting.account} is not a valid ${posting.commodity} amount`,
      );
    }
    case 'balance': {
      const [commodity, sum] = fault.unbalanced[0]!;
      return new VerifyError(
        line,
        `${at} does not balance: its ${commodity} postings sum to ${unitsText(commodity, sum)}, not 0`,
      );
    }
    case 'canonical':
      return new VerifyError(line, `${at}: cannot build its canonical form: ${fault.message}`);
    case 'hash':
      return new VerifyError(
        line,
        `${at}: hash ${entry.hash} does not match its content (recomputed ${fault.recomputed}); a field was changed`,
      );
  }
}

export class LedgerChecker {
  private readonly chain: ChainChecker;

  constructor(private readonly manifest: LedgerManifest) {
    this.chain = new ChainChecker(
      {
        seq: BigInt(manifest.from_seq),
        prevHash: manifest.prev_hash,
        balances: balanceMap(manifest.opening_balances, 0, 'opening_balances'),
      },
      true,
    );
  }

  get entries(): number {
    return this.chain.entries;
  }

  get postings(): number {
    return this.chain.postings;
  }

  /** Checks one entry against everything before it; `line` is where the entry starts. */
  add(entry: ExportEntry, line: number): void {
    const postings = entry.postings.map((p) => ({
      account: p.account,
      commodity: p.commodity,
      units: units(p.commodity, p.amount),
    }));
    const fault = this.chain.add(
      { seq: BigInt(entry.seq), prevHash: entry.prev_hash, hash: entry.hash, postings },
      // prev: the manifest's (schema-checked) or a checked hash
      (prev) => fastEntryHash(prev, entry, true),
    );
    if (fault) throw failure(fault, entry, line);
  }

  /**
   * Takes an entry a fast reader prepared (its recomputed hash from the stated prev_hash's bytes,
   * which the chain uses only once that prev_hash is its own): true when it keeps every rule;
   * false, with nothing changed, when not (the reader then reads it again for add() to word why).
   */
  tryPrepared(entry: PreparedEntry): boolean {
    const recomputed = entry.recomputed;
    const link = entry.prevHash;
    return this.chain.add(entry, (prev) => (prev === link ? recomputed : '')) === null;
  }

  /** After the last entry: the range, counts, head, trial balance and body hash against the manifest. */
  finish(bodySha256: string, manifestLine: number): VerifySummary {
    const m = this.manifest;
    const at = manifestLine;
    if (this.chain.expectedSeq - 1n !== BigInt(m.to_seq)) {
      throw new VerifyError(
        at,
        `the file ends after seq ${this.chain.expectedSeq - 1n} but the manifest says the range ends at seq ${m.to_seq}: entries are missing at the end`,
      );
    }
    if (this.entries !== m.entries)
      throw new VerifyError(at, `the file holds ${this.entries} entries; the manifest says ${m.entries}`);
    if (this.postings !== m.postings)
      throw new VerifyError(at, `the file holds ${this.postings} postings; the manifest says ${m.postings}`);
    if (this.chain.prev !== m.head_hash)
      throw new VerifyError(at, `the chain ends at ${this.chain.prev}; the manifest's head_hash is ${m.head_hash}`);
    const closing = balanceLines(this.chain.balances);
    const expected = balanceLines(balanceMap(m.closing_balances, at, 'closing_balances'));
    const mismatch = firstDifference(closing, expected);
    if (mismatch) throw new VerifyError(at, `trial balance differs from the manifest's closing_balances: ${mismatch}`);
    if (bodySha256 !== m.body_sha256) {
      throw new VerifyError(
        at,
        `SHA-256 of the file before the manifest is ${bodySha256}; the manifest says ${m.body_sha256}: bytes were changed, added or removed`,
      );
    }
    return {
      format: m.format,
      entries: this.entries,
      postings: this.postings,
      from_seq: m.from_seq,
      to_seq: m.to_seq,
      prev_hash: m.prev_hash,
      head_hash: this.chain.prev,
      closing_balances: closing,
      body_sha256: bodySha256,
    };
  }
}

function firstDifference(actual: BalanceLine[], expected: BalanceLine[]): string | null {
  const want = new Map(expected.map((b) => [key(b.account, b.commodity), b.amount]));
  for (const b of actual) {
    const other = want.get(key(b.account, b.commodity));
    if (other !== b.amount) return `${b.account} ${b.commodity} recomputed ${b.amount}, manifest ${other ?? '0'}`;
    want.delete(key(b.account, b.commodity));
  }
  for (const [k, amount] of want) {
    const [account, commodity] = k.split('\u0000');
    return `${account} ${commodity} recomputed 0, manifest ${amount}`;
  }
  return null;
}
