// Everything the console reads or does in other modules, in one place: the console is a second
// adapter beside the JSON routes and calls the same verbs and view functions, so a page shows
// exactly what the API answers. Imports go through each module's door (src/<module>/index.ts).
export { audit, listAudit, toAuditView } from '../audit/service.js';
export { listAlerts, toAlertView } from '../alerts/service.js';
export { authenticateSecret } from '../keys/service.js';
export { getTip } from '../chain/index.js';
export { COIN_STATUSES, COINBASE_MATURITY, listUtxos, toUtxoView, type UtxoView } from '../coins/index.js';
export { getEntry, listAccounts, readEntries, trialBalance, verifyLedger } from '../ledger/index.js';
export { toAccountView, toEntryView, toTrialBalanceView, toVerifyView } from '../ledger/views.js';
export { documentOf, getPolicy, issueAddress, listAddresses, listPolicies } from '../policies/service.js';
export { toListedView, toPolicyView, toResolvedView } from '../policies/views.js';
export { listSites, toSiteView } from '../production/sites.js';
export { buildReconciliation, reconciliationCsvRecords } from '../reconciliation/report.js';
export { holdingsValued } from '../reports/holdings.js';
export { proofOfReserves } from '../reports/proof-of-reserves.js';
export { rollForward } from '../reports/rollforward.js';
export { bitcoinMovements } from '../reports/valuation-sources.js';
export { exportsRouter } from '../exports/routes.js';
