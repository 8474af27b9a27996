-- Coin selection reads the largest available coins of a vault and the smallest one above an amount
-- (src/spends/coin-query.ts): both walk this index instead of sorting the vault's coins.
CREATE INDEX IF NOT EXISTS spends_utxos_selection_idx ON utxos (policy_id, amount_sat, txid, vout) WHERE status = 'available';
