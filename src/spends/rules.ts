import { formatBtc } from '../money/btc.js';
import type { documentOf } from '../policies/index.js';

type PolicyDocument = ReturnType<typeof documentOf>;
import { ruleRefusal } from './model.js';

// The vault's spending rules as the policy version states them, and the checks a proposal must pass.
// Pure: the caller supplies what the database knows (the 24-hour total).

export interface SpendingRules {
  approvals: number;
  perTxLimitSat: bigint;
  dailyLimitSat: bigint;
  allowedDestinations: string[];
  delayHours: number;
}

export function rulesOf(doc: PolicyDocument): SpendingRules {
  const s = doc.spending;
  return {
    approvals: s.approvals,
    perTxLimitSat: BigInt(s.per_tx_limit_sat),
    dailyLimitSat: BigInt(s.daily_limit_sat),
    allowedDestinations: s.allowed_destinations,
    delayHours: s.delay_hours,
  };
}

export interface DestinationFacts {
  address: string;
  /** The vault the address belongs to, if any. */
  destPolicyId: string | null;
}

/** Each output must be listed: by address, or as `policy:<id>` of the vault it pays. An empty list allows nothing. */
export function checkDestinations(rules: SpendingRules, outputs: readonly DestinationFacts[]) {
  outputs.forEach((o, i) => {
    const allowed =
      rules.allowedDestinations.includes(o.address) ||
      (o.destPolicyId !== null && rules.allowedDestinations.includes(`policy:${o.destPolicyId}`));
    if (!allowed) {
      const what = o.destPolicyId ? `${o.address} (vault ${o.destPolicyId})` : o.address;
      throw ruleRefusal(
        'allowed_destinations',
        `output ${i}: ${what} is not among the vault's allowed destinations (${rules.allowedDestinations.join(', ') || 'none'})`,
        { allowed_destinations: rules.allowedDestinations.join(' ') },
        `outputs.${i}`,
      );
    }
  });
}

/** per_tx_limit over what this spend sends; daily_limit over it plus what live and settled spends sent in 24 h. */
export function checkLimits(rules: SpendingRules, amountSat: bigint, sentLast24hSat: bigint) {
  if (amountSat > rules.perTxLimitSat) {
    throw ruleRefusal(
      'per_tx_limit_btc',
      `the spend sends ${formatBtc(amountSat)} BTC, over the per-transaction limit of ${formatBtc(rules.perTxLimitSat)} BTC`,
      { amount_btc: formatBtc(amountSat), per_tx_limit_btc: formatBtc(rules.perTxLimitSat) },
      'outputs',
    );
  }
  if (sentLast24hSat + amountSat > rules.dailyLimitSat) {
    throw ruleRefusal(
      'daily_limit_btc',
      `the spend sends ${formatBtc(amountSat)} BTC; with the ${formatBtc(sentLast24hSat)} BTC of spends in the last 24 hours that is over the daily limit of ${formatBtc(rules.dailyLimitSat)} BTC`,
      {
        amount_btc: formatBtc(amountSat),
        last_24h_btc: formatBtc(sentLast24hSat),
        daily_limit_btc: formatBtc(rules.dailyLimitSat),
      },
      'outputs',
    );
  }
}
