-- Addresses of ended spends (docs/spends.md): an address issued for a spend (its change, or a policy_id output's
-- receive address) is bound to it while `live`. A spend that ends without ever being broadcast (rejected,
-- cancelled, expired, or invalidated before broadcast) lets its addresses go: the next spend needing an address of
-- that chain reuses them, so cancelled spends do not push the vault's chains past the gap limit. The unique partial
-- index spend_outputs_one_live_issue (0007) refuses one address issued to two live spends, whatever the code does.
--
-- Outputs stay append-only but for `live` going from true to false, for a spend that ended and was never broadcast.
DROP TRIGGER IF EXISTS spend_outputs_append_only ON spend_outputs;
--> statement-breakpoint
-- The rows written before: a change output, or a vault output whose address was issued under the spend's label.
UPDATE spend_outputs o SET
  issued = o.kind = 'change' OR EXISTS (
    SELECT 1 FROM policy_addresses pa
    WHERE pa.address = o.address AND pa.policy_id = o.dest_policy_id AND pa.label = o.spend_id || ':' || o.vout),
  live = s.state IN ('proposed', 'approved', 'signed', 'broadcast', 'confirmed') OR s.broadcast_at IS NOT NULL
FROM spends s WHERE s.id = o.spend_id;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION reserve_spend_output_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  spend_state text;
  sent_at timestamptz;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'spend_outputs: DELETE refused (append-only)' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT state, broadcast_at INTO spend_state, sent_at FROM spends WHERE id = NEW.spend_id;
  IF (OLD.spend_id, OLD.vout, OLD.address, OLD.script_hex, OLD.amount_sat, OLD.label, OLD.kind, OLD.dest_policy_id, OLD.issued)
     IS DISTINCT FROM (NEW.spend_id, NEW.vout, NEW.address, NEW.script_hex, NEW.amount_sat, NEW.label, NEW.kind, NEW.dest_policy_id, NEW.issued)
     OR (NEW.live AND NOT OLD.live)
     OR (OLD.live AND NOT NEW.live
         AND (spend_state NOT IN ('rejected', 'cancelled', 'expired', 'invalidated') OR sent_at IS NOT NULL)) THEN
    RAISE EXCEPTION 'spend_outputs: output % of % may not change so', OLD.vout, OLD.spend_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER spend_outputs_guard BEFORE UPDATE OR DELETE ON spend_outputs
  FOR EACH ROW EXECUTE FUNCTION reserve_spend_output_guard();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION reserve_spend_release() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IN ('rejected', 'cancelled', 'expired', 'invalidated') AND OLD.state IS DISTINCT FROM NEW.state THEN
    UPDATE spend_inputs SET live = false WHERE spend_id = NEW.id AND live;
    IF NEW.broadcast_at IS NULL THEN
      UPDATE spend_outputs SET live = false WHERE spend_id = NEW.id AND live;
    END IF;
  END IF;
  RETURN NULL;
END;
$$;
