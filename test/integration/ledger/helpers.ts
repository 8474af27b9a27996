import { Decimal } from 'decimal.js';
import type { NewEntry } from '../../../src/ledger/service.js';

let counter = 0;

/** A balanced BTC entry moving `sats` from `from` to `to`, with a unique source. */
export function btcEntry(to: string, from: string, sats: bigint, over: Partial<NewEntry> = {}): NewEntry {
  counter++;
  return {
    kind: 'test.transfer',
    description: `move ${sats} sat`,
    occurredAt: new Date(Date.UTC(2026, 10, 27, 12, 0, 0, counter % 1000)),
    source: { type: 'test', id: `src-${process.pid}-${counter}-${Math.random().toString(36).slice(2)}` },
    postings: [
      { account: to, commodity: 'BTC', amount: sats },
      { account: from, commodity: 'BTC', amount: -sats },
    ],
    ...over,
  };
}

export function fiatEntry(
  to: string,
  from: string,
  amount: string,
  currency = 'USD',
  over: Partial<NewEntry> = {},
): NewEntry {
  const d = new Decimal(amount);
  return btcEntry(to, from, 0n, {
    kind: 'test.fiat',
    description: `move ${amount} ${currency}`,
    postings: [
      { account: to, commodity: currency, amount: d },
      { account: from, commodity: currency, amount: d.negated() },
    ],
    ...over,
  });
}
