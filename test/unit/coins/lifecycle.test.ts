import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assetAccount,
  type BookedStatus,
  COINBASE_MATURITY,
  confirmations,
  isNewer,
  planTransition,
  postingsOf,
  statusOf,
  TransitionError,
  UTXO_STATUSES,
  type UtxoStatus,
} from '../../../src/coins/lifecycle.js';

const connected = (height: number) => ({ height, connected: true, everDisconnected: false });

describe('statusOf', () => {
  it('matures a coinbase at exactly 100 confirmations, not 99', () => {
    const coin = { coinbase: true, blockHash: 'h' };
    expect(confirmations(1, 99)).toBe(99);
    expect(statusOf(coin, connected(1), 99)).toBe('immature');
    expect(statusOf(coin, connected(1), 100)).toBe('available');
    expect(COINBASE_MATURITY).toBe(100);
  });

  it('an ordinary payout is available at one confirmation, and unconfirmed in a disconnected block', () => {
    const coin = { coinbase: false, blockHash: 'h' };
    expect(statusOf(coin, connected(5), 5)).toBe('available');
    expect(statusOf(coin, { height: 5, connected: false, everDisconnected: true }, 4)).toBe('unconfirmed');
    expect(statusOf(coin, null, 10)).toBe('unconfirmed');
    expect(statusOf({ coinbase: false, blockHash: null }, null, 10)).toBe('unconfirmed');
  });

  it('a coinbase whose block was ever disconnected is orphaned for good, even if reconnected', () => {
    const coin = { coinbase: true, blockHash: 'h' };
    expect(statusOf(coin, { height: 5, connected: true, everDisconnected: true }, 500)).toBe('orphaned');
    expect(statusOf(coin, { height: 5, connected: false, everDisconnected: true }, 500)).toBe('orphaned');
  });
});

describe('planTransition', () => {
  const coin = { policyId: 'regtest-cold', siteId: 'dam-1', amountSat: 312_500_000n };

  it('books a receipt, reclassifies, and orphaning returns to the receipt account before reversing', () => {
    expect(planTransition(null, 'immature', null)).toEqual([{ kind: 'receipt', to: 'immature' }]);
    expect(planTransition(null, 'orphaned', null)).toEqual([]);
    expect(planTransition('immature', 'available', 'immature')).toEqual([
      { kind: 'reclassify', from: 'immature', to: 'available' },
    ]);
    expect(planTransition('immature', 'orphaned', 'immature')).toEqual([{ kind: 'reverse_receipt' }]);
    expect(planTransition('available', 'orphaned', 'unconfirmed')).toEqual([
      { kind: 'reclassify', from: 'available', to: 'unconfirmed' },
      { kind: 'reverse_receipt' },
    ]);
    expect(() => planTransition('orphaned', 'available', 'immature')).toThrow(TransitionError);
  });

  it("keeps the asset accounts equal to the coin's state along any path of states (property)", () => {
    const booked: BookedStatus[] = ['unconfirmed', 'immature', 'available'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom<UtxoStatus>(...UTXO_STATUSES), { minLength: 1, maxLength: 12 }), (path) => {
        const balances = new Map<string, bigint>();
        const add = (account: string, amount: bigint) => balances.set(account, (balances.get(account) ?? 0n) + amount);
        let from: UtxoStatus | null = null;
        let receipt: BookedStatus | null = null;
        const receiptPostings: { account: string; amount: bigint }[] = [];
        for (const to of path) {
          if (from === 'orphaned') break;
          for (const step of planTransition(from, to, receipt)) {
            if (step.kind === 'reverse_receipt') {
              for (const p of receiptPostings) add(p.account, -p.amount);
              continue;
            }
            const postings = postingsOf(step, coin);
            expect(postings.reduce((s, p) => s + p.amount, 0n)).toBe(0n);
            for (const p of postings) add(p.account, p.amount);
            if (step.kind === 'receipt') {
              receipt = step.to;
              receiptPostings.push(...postings);
            }
          }
          from = to;
        }
        for (const s of booked)
          expect(balances.get(assetAccount(coin.policyId, s)) ?? 0n).toBe(from === s ? coin.amountSat : 0n);
        expect(balances.get('Income:Mining:dam-1') ?? 0n).toBe(
          from === null || from === 'orphaned' ? 0n : -coin.amountSat,
        );
      }),
    );
  });
});

describe('isNewer', () => {
  it('orders by time, then by webhook-id, and is a strict total order', () => {
    const a = { at: new Date(1000), eventId: 'a' };
    const b = { at: new Date(1000), eventId: 'b' };
    const c = { at: new Date(2000), eventId: 'a' };
    expect(isNewer(b, a)).toBe(true);
    expect(isNewer(a, b)).toBe(false);
    expect(isNewer(c, b)).toBe(true);
    expect(isNewer(a, a)).toBe(false);
  });
});
