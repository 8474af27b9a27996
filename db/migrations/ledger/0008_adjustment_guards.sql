-- Four eyes on corrections (src/ledger/adjustments, docs/ledger.md): a proposal is decided once,
-- by someone other than its proposer (the table's check), and a posted adjustment names the one
-- entry whose source it is. Proposals are never deleted.
CREATE UNIQUE INDEX ledger_entries_adjustment_once ON ledger_entries (source_id) WHERE source_type = 'adjustment';
--> statement-breakpoint
CREATE FUNCTION ledger_adjustment_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  entry_source_type text;
  entry_source_id text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'ledger adjustment % may not be deleted', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_adjustments_append_only';
  END IF;
  IF OLD.state <> 'proposed' THEN
    RAISE EXCEPTION 'ledger adjustment % is already %', OLD.id, OLD.state
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_adjustments_decided_once';
  END IF;
  IF NEW.id <> OLD.id OR NEW.kind <> OLD.kind OR NEW.reason <> OLD.reason
     OR NEW.reverses_seq IS DISTINCT FROM OLD.reverses_seq OR NEW.postings IS DISTINCT FROM OLD.postings
     OR NEW.occurred_at IS DISTINCT FROM OLD.occurred_at OR NEW.proposed_by <> OLD.proposed_by
     OR NEW.proposed_by_name <> OLD.proposed_by_name OR NEW.proposed_at <> OLD.proposed_at THEN
    RAISE EXCEPTION 'ledger adjustment %: only its decision may change', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_adjustments_proposal_fixed';
  END IF;
  IF NEW.state = 'posted' THEN
    SELECT source_type, source_id INTO entry_source_type, entry_source_id FROM ledger_entries WHERE seq = NEW.entry_seq;
    IF entry_source_type IS DISTINCT FROM 'adjustment' OR entry_source_id IS DISTINCT FROM NEW.id THEN
      RAISE EXCEPTION 'ledger adjustment %: entry % is not its posting', NEW.id, NEW.entry_seq
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_adjustments_entry_source';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_adjustments_guard BEFORE UPDATE OR DELETE ON ledger_adjustments
  FOR EACH ROW EXECUTE FUNCTION ledger_adjustment_guard();
