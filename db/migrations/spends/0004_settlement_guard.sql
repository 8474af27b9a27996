-- Settlements are facts of the chain as Reserve saw it: never deleted; what was settled never changes;
-- a reorg marks one undone once (undone_at, undone_by) and nothing else.
CREATE OR REPLACE FUNCTION reserve_spend_settlement_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'spend_settlements: DELETE refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.undone_at IS NOT NULL THEN
      RAISE EXCEPTION 'spend_settlements: a settlement starts in force' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.undone_at IS NOT NULL
     OR (OLD.seq, OLD.txid, OLD.block_hash, OLD.block_height, OLD.spend_id, OLD.holder, OLD.event_id, OLD.inputs,
         OLD.vault_outputs, OLD.settled_at)
        IS DISTINCT FROM
        (NEW.seq, NEW.txid, NEW.block_hash, NEW.block_height, NEW.spend_id, NEW.holder, NEW.event_id, NEW.inputs,
         NEW.vault_outputs, NEW.settled_at) THEN
    RAISE EXCEPTION 'spend_settlements: settlement % may only be undone, once', OLD.seq USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER spend_settlements_guard BEFORE INSERT OR UPDATE OR DELETE ON spend_settlements
  FOR EACH ROW EXECUTE FUNCTION reserve_spend_settlement_guard();
