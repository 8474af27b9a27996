import { Decimal } from 'decimal.js';
import type { Ctx } from '../../../src/context.js';
import { postEntry, reverseEntry } from '../../../src/ledger/service.js';

const day = (n: number, hour = 12) => new Date(Date.UTC(2026, 10, 1 + n, hour, 0, 0, 250));

/**
 * A realistic ledger through the ledger's own service: payouts to two sites, confirmations,
 * coinbase maturities, a reorg reversal, energy costs in BYN with a USD price, network fees,
 * and descriptions that need CSV quoting, JSON escaping and beancount strings.
 */
export async function postRealisticLedger(ctx: Ctx, rounds = 6): Promise<number> {
  let posted = 0;
  const post = async (entry: Parameters<typeof postEntry>[0]['input']) => {
    posted++;
    return postEntry({ ctx, input: entry });
  };
  for (let r = 0; r < rounds; r++) {
    const sats = 312_500_000n + BigInt(r) * 1_234_567n;
    await post({
      kind: 'payout.received',
      description: `Payout from pool to site hydro-1, round ${r}`,
      occurredAt: day(r),
      source: { type: 'payout', id: `pay_h${r}` },
      postings: [
        { account: 'Assets:Bitcoin:vault-a:Unconfirmed', commodity: 'BTC', amount: sats },
        {
          account: 'Income:Mining:hydro-1',
          commodity: 'BTC',
          amount: -sats,
          price: { amount: new Decimal('65000.25'), commodity: 'USD' },
        },
      ],
    });
    await post({
      kind: 'payout.confirmed',
      description: 'Confirmed in block',
      occurredAt: day(r, 13),
      source: { type: 'payout', id: `pay_h${r}` },
      postings: [
        { account: 'Assets:Bitcoin:vault-a:Unconfirmed', commodity: 'BTC', amount: -sats },
        { account: 'Assets:Bitcoin:vault-a:Available', commodity: 'BTC', amount: sats },
      ],
    });
    const coinbase = 625_000_000n + BigInt(r);
    const coinbaseEntry = await post({
      kind: 'coinbase.received',
      description: `Coinbase, "solo" block at gas-flare_2; round ${r}\nsecond line — ünïcødé`,
      occurredAt: day(r, 14),
      source: { type: 'payout', id: `pay_g${r}` },
      postings: [
        { account: 'Assets:Bitcoin:cold.vault_b:Immature', commodity: 'BTC', amount: coinbase },
        { account: 'Income:Mining:gas-flare_2', commodity: 'BTC', amount: -coinbase },
      ],
    });
    if (r % 3 === 1) {
      // A reorg orphaned this round's coinbase: reversed, never matured.
      await reverseEntry({
        ctx,
        input: { seq: coinbaseEntry.seq, reason: 'block disconnected (reorg)', occurredAt: day(r, 15) },
      });
      posted++;
    } else {
      await post({
        kind: 'utxo.matured',
        description: 'Coinbase output reached 100 confirmations\n(maturity)',
        occurredAt: day(r + 1, 9),
        source: { type: 'utxo', id: `utxo_g${r}` },
        postings: [
          { account: 'Assets:Bitcoin:cold.vault_b:Immature', commodity: 'BTC', amount: -coinbase },
          { account: 'Assets:Bitcoin:cold.vault_b:Available', commodity: 'BTC', amount: coinbase },
        ],
      });
    }
    const byn = new Decimal('1520.50').plus(new Decimal(r).times('0.125'));
    await post({
      kind: 'energy.consumed',
      description: `Energy, hydro-1, night tariff, day ${r}`,
      occurredAt: day(r, 23),
      source: { type: 'production_report', id: `rep_${r}` },
      postings: [
        {
          account: 'Expenses:Energy:hydro-1',
          commodity: 'BYN',
          amount: byn,
          price: { amount: new Decimal('0.30864197530864197'), commodity: 'USD' },
        },
        { account: 'Liabilities:Energy:belenergo', commodity: 'BYN', amount: byn.negated() },
      ],
    });
    if (r % 2 === 0) {
      await post({
        kind: 'spend.fee',
        description: 'Network fee of a consolidation',
        occurredAt: day(r, 22),
        source: { type: 'spend', id: `spd_${r}` },
        postings: [
          { account: 'Assets:Bitcoin:vault-a:Available', commodity: 'BTC', amount: -100_012_345n },
          {
            account: 'Expenses:NetworkFees',
            commodity: 'BTC',
            amount: 12_345n,
            cost: { amount: new Decimal('8.02'), commodity: 'USD' },
          },
          { account: 'Assets:Bitcoin:vault-a:Locked', commodity: 'BTC', amount: 100_000_000n },
        ],
      });
    }
  }
  return posted;
}
