// The chart of accounts: every account name Reserve posts to is built here, and split only by
// parseAccount. A name is colon-separated (hledger style); a policy, site or supplier id is one segment.

export const VAULT_PREFIX = 'Assets:Bitcoin';
export const MINING_INCOME_PREFIX = 'Income:Mining';
export const ENERGY_EXPENSE_PREFIX = 'Expenses:Energy';
export const ENERGY_LIABILITY_PREFIX = 'Liabilities:Energy';
/** What a spend pays the miners. */
export const NETWORK_FEES = 'Expenses:Bitcoin:NetworkFees';
/** What a spend pays out of the reserve (to a payee outside it). */
export const DISBURSEMENTS = 'Expenses:Bitcoin:Disbursements';
/** Bitcoin that left the reserve without a spend Reserve knows of (spent outside Reserve). */
export const UNACCOUNTED = 'Expenses:Bitcoin:Unaccounted';

/** The states a vault account exists for, by the suffix the account name carries. */
export const VAULT_STATES = {
  unconfirmed: 'Unconfirmed',
  immature: 'Immature',
  available: 'Available',
  locked: 'Locked',
} as const;
export type VaultState = keyof typeof VAULT_STATES;

const STATE_OF_SUFFIX = new Map<string, VaultState>(
  Object.entries(VAULT_STATES).map(([state, suffix]) => [suffix, state as VaultState]),
);

export const vaultAccount = (policyId: string, state: VaultState) =>
  `${VAULT_PREFIX}:${policyId}:${VAULT_STATES[state]}`;
export const miningIncome = (siteId: string) => `${MINING_INCOME_PREFIX}:${siteId}`;
export const energyExpense = (siteId: string) => `${ENERGY_EXPENSE_PREFIX}:${siteId}`;
export const energyLiability = (supplier: string) => `${ENERGY_LIABILITY_PREFIX}:${supplier}`;

export type ParsedAccount =
  | { kind: 'vault'; policyId: string; state: VaultState }
  | { kind: 'mining_income'; siteId: string }
  | { kind: 'energy_expense'; siteId: string }
  | { kind: 'energy_liability'; supplier: string }
  | { kind: 'other'; name: string };

/** The one parser of account names: what an account is, and whose. */
export function parseAccount(name: string): ParsedAccount {
  const parts = name.split(':');
  const head = `${parts[0]}:${parts[1]}`;
  if (head === VAULT_PREFIX && parts.length === 4) {
    const state = STATE_OF_SUFFIX.get(parts[3]!);
    if (state) return { kind: 'vault', policyId: parts[2]!, state };
  }
  if (parts.length === 3) {
    if (head === MINING_INCOME_PREFIX) return { kind: 'mining_income', siteId: parts[2]! };
    if (head === ENERGY_EXPENSE_PREFIX) return { kind: 'energy_expense', siteId: parts[2]! };
    if (head === ENERGY_LIABILITY_PREFIX) return { kind: 'energy_liability', supplier: parts[2]! };
  }
  return { kind: 'other', name };
}
