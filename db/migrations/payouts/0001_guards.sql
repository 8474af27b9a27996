-- A coin's history and the alerts are evidence: rows are added, never changed or removed.
CREATE TRIGGER utxo_history_append_only
  BEFORE UPDATE OR DELETE ON utxo_history
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER utxo_history_no_truncate
  BEFORE TRUNCATE ON utxo_history
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER alerts_append_only
  BEFORE UPDATE OR DELETE ON alerts
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER alerts_no_truncate
  BEFORE TRUNCATE ON alerts
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
-- A coin never leaves `orphaned`, and its facts never change once recorded; only its state and
-- the receipt reference move. Enforced here so that no code path can rewrite what the fleet said.
CREATE OR REPLACE FUNCTION reserve_utxo_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'utxos: DELETE refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status = 'orphaned' AND NEW.status <> 'orphaned' THEN
    RAISE EXCEPTION 'utxos: %:% is orphaned for good', OLD.txid, OLD.vout USING ERRCODE = 'check_violation';
  END IF;
  IF (OLD.txid, OLD.vout, OLD.policy_id, OLD.network, OLD.address, OLD.amount_sat, OLD.coinbase, OLD.site_id)
     IS DISTINCT FROM (NEW.txid, NEW.vout, NEW.policy_id, NEW.network, NEW.address, NEW.amount_sat, NEW.coinbase, NEW.site_id) THEN
    RAISE EXCEPTION 'utxos: the facts of %:% may not change', OLD.txid, OLD.vout USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER utxos_guard
  BEFORE UPDATE OR DELETE ON utxos
  FOR EACH ROW EXECUTE FUNCTION reserve_utxo_guard();
