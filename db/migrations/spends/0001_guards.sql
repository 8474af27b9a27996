-- The spend state machine (docs/spends.md): a spend is born `proposed`; only these moves exist:
--   proposed  -> approved | rejected | cancelled | expired | invalidated
--   approved  -> signed | cancelled | invalidated
--   signed    -> broadcast | cancelled | invalidated
--   broadcast -> confirmed | invalidated
--   confirmed -> broadcast            (its block was disconnected)
-- What was proposed (policy version, transaction, digest, amounts) never changes; rows are never deleted.
CREATE OR REPLACE FUNCTION reserve_spend_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'spends: DELETE refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.state <> 'proposed' THEN
      RAISE EXCEPTION 'spends: a spend starts proposed, not %', NEW.state USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.state IS DISTINCT FROM NEW.state AND NOT (
       (OLD.state = 'proposed' AND NEW.state IN ('approved', 'rejected', 'cancelled', 'expired', 'invalidated'))
    OR (OLD.state = 'approved' AND NEW.state IN ('signed', 'cancelled', 'invalidated'))
    OR (OLD.state = 'signed' AND NEW.state IN ('broadcast', 'cancelled', 'invalidated'))
    OR (OLD.state = 'broadcast' AND NEW.state IN ('confirmed', 'invalidated'))
    OR (OLD.state = 'confirmed' AND NEW.state = 'broadcast')) THEN
    RAISE EXCEPTION 'spends: % may not move from % to %', OLD.id, OLD.state, NEW.state USING ERRCODE = 'check_violation';
  END IF;
  IF (OLD.id, OLD.policy_id, OLD.policy_version, OLD.purpose, OLD.account, OLD.proposed_by, OLD.approvals_required,
      OLD.delay_hours, OLD.fee_rate_msat_vb, OLD.fee_sat, OLD.vsize, OLD.amount_sat, OLD.change_sat, OLD.locktime,
      OLD.digest, OLD.unsigned_tx_hex, OLD.unsigned_txid, OLD.txid, OLD.psbt_base64, OLD.created_at, OLD.expires_at)
     IS DISTINCT FROM
     (NEW.id, NEW.policy_id, NEW.policy_version, NEW.purpose, NEW.account, NEW.proposed_by, NEW.approvals_required,
      NEW.delay_hours, NEW.fee_rate_msat_vb, NEW.fee_sat, NEW.vsize, NEW.amount_sat, NEW.change_sat, NEW.locktime,
      NEW.digest, NEW.unsigned_tx_hex, NEW.unsigned_txid, NEW.txid, NEW.psbt_base64, NEW.created_at, NEW.expires_at) THEN
    RAISE EXCEPTION 'spends: what % proposed may not change', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.final_tx_hex IS NOT NULL AND NEW.final_tx_hex IS DISTINCT FROM OLD.final_tx_hex THEN
    RAISE EXCEPTION 'spends: the final transaction of % may not change', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER spends_guard BEFORE INSERT OR UPDATE OR DELETE ON spends
  FOR EACH ROW EXECUTE FUNCTION reserve_spend_guard();
--> statement-breakpoint
-- An ended spend lets its coins go: its inputs stop counting in the one-live-spend-per-coin index.
CREATE OR REPLACE FUNCTION reserve_spend_release() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IN ('rejected', 'cancelled', 'expired', 'invalidated') AND OLD.state IS DISTINCT FROM NEW.state THEN
    UPDATE spend_inputs SET live = false WHERE spend_id = NEW.id AND live;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER spends_release AFTER UPDATE OF state ON spends
  FOR EACH ROW EXECUTE FUNCTION reserve_spend_release();
--> statement-breakpoint
-- Inputs: written once while the spend is proposed; `live` only goes from true to false, and only for an ended spend.
CREATE OR REPLACE FUNCTION reserve_spend_input_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  spend_state text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'spend_inputs: DELETE refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT state INTO spend_state FROM spends WHERE id = NEW.spend_id;
  IF TG_OP = 'INSERT' THEN
    IF spend_state IS DISTINCT FROM 'proposed' OR NOT NEW.live THEN
      RAISE EXCEPTION 'spend_inputs: inputs are added to a proposed spend only' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
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
CREATE TRIGGER spend_inputs_guard BEFORE INSERT OR UPDATE OR DELETE ON spend_inputs
  FOR EACH ROW EXECUTE FUNCTION reserve_spend_input_guard();
--> statement-breakpoint
-- Outputs, approvals and uploads are append-only.
CREATE OR REPLACE FUNCTION reserve_spend_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%: % refused (append-only)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER spend_outputs_append_only BEFORE UPDATE OR DELETE ON spend_outputs
  FOR EACH ROW EXECUTE FUNCTION reserve_spend_append_only();
--> statement-breakpoint
CREATE TRIGGER spend_approvals_append_only BEFORE UPDATE OR DELETE ON spend_approvals
  FOR EACH ROW EXECUTE FUNCTION reserve_spend_append_only();
--> statement-breakpoint
CREATE TRIGGER spend_uploads_append_only BEFORE UPDATE OR DELETE ON spend_uploads
  FOR EACH ROW EXECUTE FUNCTION reserve_spend_append_only();
