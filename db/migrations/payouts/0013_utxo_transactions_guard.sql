-- The coins' previous transactions are facts: kept once, never changed or deleted. The txid is the
-- transaction's own hash, checked by the service before it keeps one (coins/selection.ts).
CREATE OR REPLACE FUNCTION reserve_utxo_transactions_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'utxo_transactions: % refused (append-only)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER utxo_transactions_append_only BEFORE UPDATE OR DELETE ON utxo_transactions
  FOR EACH ROW EXECUTE FUNCTION reserve_utxo_transactions_guard();
