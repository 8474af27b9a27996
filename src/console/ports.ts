// Everything the console reads or does in other modules, in one place: the console is a second
// adapter beside the JSON routes and calls the same verbs and view functions, so a page shows
// exactly what the API answers. Every import goes through a module's door (src/<module>/index.ts).
export { listAlerts, openAlertCounts, toAlertView } from '../alerts/index.js';
export { audit, listAudit, toAuditView } from '../audit/index.js';
export { getTip } from '../chain/index.js';
export {
  COIN_STATUSES,
  COINBASE_MATURITY,
  holdingsReport,
  listUtxos,
  toUtxoView,
  type UtxoView,
} from '../coins/index.js';
export { exportsRouter } from '../exports/index.js';
export { authenticateSecret } from '../keys/index.js';
export {
  getEntry,
  latestWitnessedCheckpoint,
  listAccounts,
  type MonthlyBalance,
  monthlyBalances,
  readEntries,
  reportCheckpoint,
  toAccountView,
  toEntryView,
  toTrialBalanceView,
  toVerifyView,
  trialBalance,
  VAULT_PREFIX,
  verifyLedger,
} from '../ledger/index.js';
export {
  documentOf,
  getPolicy,
  issueAddress,
  listAddresses,
  listPolicies,
  type PolicyVersionEntry,
  policyHistory,
  toListedView,
  toPolicyView,
  toResolvedView,
} from '../policies/index.js';
export { listSites, priceMarkAt, toPriceMarkView, toSiteView } from '../production/index.js';
export { buildReconciliation, reconciliationCsvRecords } from '../reconciliation/index.js';
export { bitcoinMovements, holdingsValued, proofOfReserves, rollForward } from '../reports/index.js';
export {
  approveSpend,
  cancelSpend,
  readSpend,
  reportBroadcast,
  spendsRouter,
  submitSignatures,
  toSpendView,
} from '../spends/index.js';
