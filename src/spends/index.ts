// The spends module's door: proposals under the vault's rules, approvals bound to the digest, signatures
// from returned PSBTs, broadcast reports and settlement from the chain.
export { approveSpend } from './approve.js';
export { expireDue } from './expire.js';
export { cancelSpend, reportBroadcast, spendTransaction } from './lifecycle.js';
export { proposeSpend } from './propose.js';
export { spendsRouter } from './routes.js';
export { submitSignatures } from './signatures.js';
export { readSpend, type SpendRecord } from './store.js';
export { SpendSchema, toSpendView } from './views.js';
export { type Settlement, settleTransaction, type TxConfirmed } from './settle.js';
export { resettleBlocks, type UnsettleInput, unsettleBlocks } from './reorg.js';
