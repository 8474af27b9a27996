// The chain and balance checks of the offline verifier: pure, no database, no network.
// Fed one entry at a time in file order; throws a VerifyError naming the first bad line.
import type { BalanceLine, ExportEntry, LedgerManifest } from '../ledger/index.js';
import { formatScaled, parseScaled } from './decimal.js';
import { fastEntryHash } from './hash.js';

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

const HASH = /^[0-9a-f]{64}$/;
const BTC_AMOUNT = /^-?\d{1,20}$/;
const key = (account: string, commodity: string) => `${account}\u0000${commodity}`;

/** An amount in its commodity's unit of account here: satoshis for BTC, 10^-18 for fiat. */
function units(commodity: string, text: string): bigint | null {
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

export class LedgerChecker {
  private expectedSeq: bigint;
  private prev: string;
  private readonly balances: Map<string, bigint>;
  entries = 0;
  postings = 0;

  constructor(private readonly manifest: LedgerManifest) {
    this.expectedSeq = BigInt(manifest.from_seq);
    this.prev = manifest.prev_hash;
    this.balances = balanceMap(manifest.opening_balances, 0, 'opening_balances');
  }

  /** Checks one entry against everything before it; `line` is where the entry starts. */
  add(entry: ExportEntry, line: number): void {
    const seq = BigInt(entry.seq);
    if (seq !== this.expectedSeq) {
      throw new VerifyError(
        line,
        `entry seq ${entry.seq} where seq ${this.expectedSeq} was expected: an entry is missing, duplicated or out of order`,
      );
    }
    if (entry.prev_hash !== this.prev) {
      throw new VerifyError(
        line,
        `entry seq ${entry.seq}: prev_hash ${entry.prev_hash} does not link to the hash before it (${this.prev})`,
      );
    }
    if (!HASH.test(entry.hash))
      throw new VerifyError(line, `entry seq ${entry.seq}: hash is not 64 lowercase hex characters`);
    if (entry.postings.length < 2)
      throw new VerifyError(
        line,
        `entry seq ${entry.seq}: has ${entry.postings.length} posting(s); an entry has at least two`,
      );

    const sums = new Map<string, bigint>();
    const amounts: bigint[] = [];
    for (const posting of entry.postings) {
      const amount = units(posting.commodity, posting.amount);
      if (amount === null) {
        throw new VerifyError(
          line,
          `entry seq ${entry.seq}: amount "${posting.amount}" of ${posting.account} is not a valid ${posting.commodity} amount`,
        );
      }
      amounts.push(amount);
      sums.set(posting.commodity, (sums.get(posting.commodity) ?? 0n) + amount);
    }
    for (const [commodity, sum] of sums) {
      if (sum !== 0n)
        throw new VerifyError(
          line,
          `entry seq ${entry.seq} does not balance: its ${commodity} postings sum to ${unitsText(commodity, sum)}, not 0`,
        );
    }

    let recomputed: string;
    try {
      recomputed = fastEntryHash(this.prev, entry, true); // prev: the manifest's (schema-checked) or a checked hash
    } catch (error) {
      throw new VerifyError(
        line,
        `entry seq ${entry.seq}: cannot build its canonical form: ${(error as Error).message}`,
      );
    }
    if (recomputed !== entry.hash) {
      throw new VerifyError(
        line,
        `entry seq ${entry.seq}: hash ${entry.hash} does not match its content (recomputed ${recomputed}); a field was changed`,
      );
    }

    entry.postings.forEach((posting, i) => {
      const k = key(posting.account, posting.commodity);
      this.balances.set(k, (this.balances.get(k) ?? 0n) + amounts[i]!);
    });
    this.prev = entry.hash;
    this.expectedSeq = seq + 1n;
    this.entries++;
    this.postings += entry.postings.length;
  }

  /** After the last entry: the range, counts, head, trial balance and body hash against the manifest. */
  finish(bodySha256: string, manifestLine: number): VerifySummary {
    const m = this.manifest;
    const at = manifestLine;
    if (this.expectedSeq - 1n !== BigInt(m.to_seq)) {
      throw new VerifyError(
        at,
        `the file ends after seq ${this.expectedSeq - 1n} but the manifest says the range ends at seq ${m.to_seq}: entries are missing at the end`,
      );
    }
    if (this.entries !== m.entries)
      throw new VerifyError(at, `the file holds ${this.entries} entries; the manifest says ${m.entries}`);
    if (this.postings !== m.postings)
      throw new VerifyError(at, `the file holds ${this.postings} postings; the manifest says ${m.postings}`);
    if (this.prev !== m.head_hash)
      throw new VerifyError(at, `the chain ends at ${this.prev}; the manifest's head_hash is ${m.head_hash}`);
    const closing = balanceLines(this.balances);
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
      head_hash: this.prev,
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
