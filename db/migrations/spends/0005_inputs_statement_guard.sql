-- A proposal writes its inputs in one INSERT (src/spends/propose.ts). The rule for new inputs (0001_guards: they
-- are added to a proposed spend only, and live) is checked once per statement over the rows it added, instead of
-- once per row with a look-up of the spend each time; the same refusal, raised before the statement ends.
-- Updates and deletes keep their row guard (0001), which no longer looks at inserts.
CREATE OR REPLACE FUNCTION reserve_spend_inputs_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM added a LEFT JOIN spends s ON s.id = a.spend_id
    WHERE s.state IS DISTINCT FROM 'proposed' OR NOT a.live
  ) THEN
    RAISE EXCEPTION 'spend_inputs: inputs are added to a proposed spend only' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION reserve_spend_input_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  spend_state text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'spend_inputs: DELETE refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT state INTO spend_state FROM spends WHERE id = NEW.spend_id;
  IF (OLD.spend_id, OLD.n, OLD.txid, OLD.vout, OLD.amount_sat, OLD.address, OLD.chain, OLD.index, OLD.coinbase)
     IS DISTINCT FROM (NEW.spend_id, NEW.n, NEW.txid, NEW.vout, NEW.amount_sat, NEW.address, NEW.chain, NEW.index, NEW.coinbase)
     OR (NEW.live AND NOT OLD.live)
     OR (OLD.live AND NOT NEW.live AND spend_state NOT IN ('rejected', 'cancelled', 'expired', 'invalidated')) THEN
    RAISE EXCEPTION 'spend_inputs: input %:% of % may not change so', OLD.txid, OLD.vout, OLD.spend_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS spend_inputs_guard ON spend_inputs;
--> statement-breakpoint
CREATE TRIGGER spend_inputs_guard BEFORE UPDATE OR DELETE ON spend_inputs
  FOR EACH ROW EXECUTE FUNCTION reserve_spend_input_guard();
--> statement-breakpoint
CREATE TRIGGER spend_inputs_added AFTER INSERT ON spend_inputs
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_spend_inputs_added();
