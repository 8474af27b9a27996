// The rules a sound hash chain keeps, checked one entry at a time: seq continuity, the prev_hash
// link, at least two postings, per-commodity balance, the recomputed hash (a stored one not in
// hex named as such); and the running balances. Pure (no database): the online verifier (verify.ts) and the offline one
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
  /** Running balance cells per account, then commodity: no key string built per posting. */
  private readonly cells = new Map<string, Map<string, { units: bigint }>>();
  entries = 0;
  postings = 0;

  constructor(
    start: { seq: bigint; prevHash: string; balances?: Map<string, bigint> },
    /** Refuse a stored hash that is not 64 lowercase hex (files); the database's column is checked already. */
    private readonly checkHashFormat = false,
  ) {
    this.expectedSeq = start.seq;
    this.prev = start.prevHash;
    for (const [k, units] of start.balances ?? []) {
      const at = k.indexOf('\u0000');
      this.cell(k.slice(0, at), k.slice(at + 1)).units = units;
    }
  }

  /** Running balance per balanceKey(account, commodity), in units. */
  get balances(): Map<string, bigint> {
    const map = new Map<string, bigint>();
    for (const [account, byCommodity] of this.cells)
      for (const [commodity, cell] of byCommodity) map.set(balanceKey(account, commodity), cell.units);
    return map;
  }

  private cell(account: string, commodity: string): { units: bigint } {
    let byCommodity = this.cells.get(account);
    if (!byCommodity) this.cells.set(account, (byCommodity = new Map()));
    let cell = byCommodity.get(commodity);
    if (!cell) byCommodity.set(commodity, (cell = { units: 0n }));
    return cell;
  }

  /**
   * Checks one entry against everything before it, then takes it into the chain.
   * `hashOf(prev)` recomputes the entry's hash; a throw means no canonical form.
   */
  add(entry: ChainEntry, hashOf: (prev: string) => string): ChainFault | null {
    if (entry.seq !== this.expectedSeq) return { rule: 'seq', expected: this.expectedSeq };
    if (entry.prevHash !== this.prev) return { rule: 'prev_hash', expected: this.prev };
    const postings = entry.postings;
    if (postings.length < 2) return { rule: 'postings', count: postings.length };
    // Sums per commodity in order of first appearance; nearly every entry holds one commodity.
    const first = postings[0]!.commodity;
    let firstSum = 0n;
    let others: Map<string, bigint> | undefined;
    for (let index = 0; index < postings.length; index++) {
      const p = postings[index]!;
      if (p.units === null) return { rule: 'amount', index };
      if (p.commodity === first) firstSum += p.units;
      else {
        others ??= new Map();
        others.set(p.commodity, (others.get(p.commodity) ?? 0n) + p.units);
      }
    }
    if (firstSum !== 0n || others) {
      const unbalanced = [[first, firstSum] as [string, bigint], ...(others ?? [])].filter(([, sum]) => sum !== 0n);
      if (unbalanced.length > 0) return { rule: 'balance', unbalanced };
    }
    let recomputed: string;
    try {
      recomputed = hashOf(this.prev);
    } catch (error) {
      return { rule: 'canonical', message: (error as Error).message };
    }
    // A stored hash equal to the recomputed one is 64 lowercase hex: its format is tested only
    // when it differs (a regex per entry was ~4% of `reserve verify`).
    if (recomputed !== entry.hash)
      return this.checkHashFormat && !HASH.test(entry.hash) ? { rule: 'hash_format' } : { rule: 'hash', recomputed };

    for (const p of postings) this.cell(p.account, p.commodity).units += p.units!;
    this.prev = entry.hash;
    this.expectedSeq = entry.seq + 1n;
    this.entries++;
    this.postings += postings.length;
    return null;
  }
}
