// BIP-329 wallet labels (JSON Lines) for the reserve's addresses and coins, so that Sparrow and
// other wallets show which site, pool and purpose each belongs to.
import type { Ctx } from '../context.js';
import { listUtxos } from '../coins/index.js';
import { listAddresses, listPolicies } from '../policies/index.js';

const ADDRESS_CHUNK = 200;
const UTXO_PAGE = 500;

/** One BIP-329 record: type, ref, label, and for outputs whether the wallet may spend it. */
export interface Bip329Record {
  type: 'addr' | 'output';
  ref: string;
  label: string;
  origin?: string;
  spendable?: boolean;
}

function labelText(parts: Record<string, string | null | undefined>): string {
  return Object.entries(parts)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => (k === 'label' ? v : `${k}: ${v}`))
    .join(', ');
}

export function labelLines(ctx: Ctx) {
  const summary = { addresses: 0, outputs: 0 };
  async function* lines(): AsyncGenerator<string> {
    // Addresses the reserve knows of (issued, found paid, used), per policy and chain. They are
    // issued in order and found paid at most gap_limit past the highest known index, so the
    // scan stops once the next chunk starts beyond that reach (each index costs a derivation).
    for (const policy of await listPolicies(ctx)) {
      for (const chain of [0, 1] as const) {
        for (let from = 0; from <= 0x7fffffff; from += ADDRESS_CHUNK) {
          const { items } = await listAddresses(ctx, { policyId: policy.id, chain, from, count: ADDRESS_CHUNK });
          const known = items.filter((i) => i.row);
          let chunk = '';
          for (const { derived, row } of known) {
            const record: Bip329Record = {
              type: 'addr',
              ref: derived.address,
              label: labelText({
                label: row!.label,
                site: row!.site,
                pool: row!.pool,
                purpose: row!.purpose,
                policy: policy.id,
              }),
            };
            chunk += `${JSON.stringify(record)}\n`;
            summary.addresses++;
          }
          if (chunk) yield chunk;
          const highest = known.length > 0 ? known[known.length - 1]!.derived.index : from - 1;
          if (highest + policy.gapLimit < from + ADDRESS_CHUNK) break;
        }
      }
    }
    let after: { txid: string; vout: bigint } | undefined;
    for (;;) {
      const { rows } = await listUtxos(ctx, { after, limit: UTXO_PAGE });
      const page = rows.slice(0, UTXO_PAGE);
      let chunk = '';
      for (const coin of page) {
        // An orphaned coin is no coin, nor is a withdrawn one (its transaction left the chain): a
        // wallet would never find either, so they are left out.
        if (coin.status === 'orphaned' || coin.status === 'withdrawn') continue;
        const record: Bip329Record = {
          type: 'output',
          ref: `${coin.txid}:${coin.vout}`,
          label: labelText({
            site: coin.siteId,
            pool: coin.pool,
            policy: coin.policyId,
            status: coin.status,
            coinbase: coin.coinbase ? 'yes' : null,
          }),
          // BIP-329 `spendable: false` freezes a coin in Sparrow; the treasury freezes none here
          // (immature and unconfirmed coins become spendable on their own; Sparrow waits for them).
          spendable: true,
        };
        chunk += `${JSON.stringify(record)}\n`;
        summary.outputs++;
      }
      if (chunk) yield chunk;
      if (rows.length <= UTXO_PAGE) return;
      const last = page[page.length - 1]!;
      after = { txid: last.txid, vout: last.vout };
    }
  }
  return { lines: lines(), summary };
}
