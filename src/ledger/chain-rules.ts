// The rules a sound hash chain keeps, checked one entry at a time: seq continuity, the prev_hash
// link, at least two postings, per-commodity balance, the recomputed hash; and the running
// balances. Pure (no database): the online verifier (verify.ts) and the offline one
// (src/verify/checker.ts) both feed it and word its faults in their own terms.

/** A posting in its commodity's unit: satoshis for BTC, 10^-18 for fiat; null when unreadable. */
export interface ChainPosting {
  account: string;
  commodity: string;
  units: bigint | null;
}

export interface ChainEntry {
  seq: bigint;
  prevHash: string;
  hash: string;
  postings: ChainPosting[];
}

/** The first rule an entry breaks. */
export type ChainFault =
  | { rule: 'seq'; expected: bigint }
  | { rule: 'prev_hash'; expected: string }
  | { rule: 'hash_format' }
  | { rule: 'postings'; count: number }
  | { rule: 'amount'; index: number }
  | { rule: 'balance'; unbalanced: [commodity: string, sum: bigint][] }
  | { rule: 'canonical'; message: string }
  | { rule: 'hash'; recomputed: string };

const HASH = /^[0-9a-f]{64}$/;
export const balanceKey = (account: string, commodity: string) => `${account}\u0000${commodity}`;

export class ChainChecker {
  expectedSeq: bigint;
  prev: string;
  /** Running balance per balanceKey(account, commodity), in units. */
  readonly balances: Map<string, bigint>;
  entries = 0;
  postings = 0;

  constructor(
    start: { seq: bigint; prevHash: string; balances?: Map<string, bigint> },
    /** Refuse a stored hash that is not 64 lowercase hex (files); the database's column is checked already. */
    private readonly checkHashFormat = false,
  ) {
    this.expectedSeq = start.seq;
    this.prev = start.prevHash;
    this.balances = start.balances ?? new Map();
  }

  /**
   * Checks one entry against everything before it, then takes it into the chain.
   * `hashOf(prev)` recomputes the entry's hash; a throw means no canonical form.
   */
  add(entry: ChainEntry, hashOf: (prev: string) => string): ChainFault | null {
    if (entry.seq !== this.expectedSeq) return { rule: 'seq', expected: this.expectedSeq };
    if (entry.prevHash !== this.prev) return { rule: 'prev_hash', expected: this.prev };
    if (this.checkHashFormat && !HASH.test(entry.hash)) return { rule: 'hash_format' };
    if (entry.postings.length < 2) return { rule: 'postings', count: entry.postings.length };
    const sums = new Map<string, bigint>();
    for (const [index, p] of entry.postings.entries()) {
      if (p.units === null) return { rule: 'amount', index };
      sums.set(p.commodity, (sums.get(p.commodity) ?? 0n) + p.units);
    }
    const unbalanced = [...sums].filter(([, sum]) => sum !== 0n);
    if (unbalanced.length > 0) return { rule: 'balance', unbalanced };
    let recomputed: string;
    try {
      recomputed = hashOf(this.prev);
    } catch (error) {
      return { rule: 'canonical', message: (error as Error).message };
    }
    if (recomputed !== entry.hash) return { rule: 'hash', recomputed };

    for (const p of entry.postings) {
      const k = balanceKey(p.account, p.commodity);
      this.balances.set(k, (this.balances.get(k) ?? 0n) + p.units!);
    }
    this.prev = entry.hash;
    this.expectedSeq = entry.seq + 1n;
    this.entries++;
    this.postings += entry.postings.length;
    return null;
  }
}
