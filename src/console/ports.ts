// Everything the console reads or does in other modules, in one place: the console is a second
// adapter beside the JSON routes and calls the same verbs and view functions, so a page shows
// exactly what the API answers. Imports go through each module's door (src/<module>/index.ts).
export { audit, listAudit, toAuditView } from '../audit/index.js';
export { listAlerts, toAlertView } from '../alerts/index.js';
export { authenticateSecret } from '../keys/index.js';
export { getTip } from '../chain/index.js';
export {
  COIN_STATUSES,
  COINBASE_MATURITY,
  holdingsReport,
  listUtxos,
  toUtxoView,
  type UtxoView,
} from '../coins/index.js';
export { getEntry, listAccounts, readEntries, trialBalance, verifyLedger } from '../ledger/index.js';
export { toAccountView, toEntryView, toTrialBalanceView, toVerifyView } from '../ledger/index.js';
export { documentOf, getPolicy, issueAddress, listAddresses, listPolicies } from '../policies/index.js';
export { toListedView, toPolicyView, toResolvedView } from '../policies/index.js';
export { priceMarkAt, toPriceMarkView } from '../production/index.js';
export { listSites, toSiteView } from '../production/index.js';
export { buildReconciliation, reconciliationCsvRecords } from '../reconciliation/index.js';
export { holdingsValued } from '../reports/index.js';
export { proofOfReserves } from '../reports/index.js';
export { rollForward } from '../reports/index.js';
export { bitcoinMovements } from '../reports/index.js';
export { exportsRouter } from '../exports/index.js';
