-- A policy's key set (network, script, threshold, keys) is immutable once it has an address:
-- changing it would silently move funds to a different vault. The service refuses it first
-- with a clear message; this trigger holds even for a concurrent or hand-written UPDATE.
CREATE OR REPLACE FUNCTION policies_keyset_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id THEN
    RAISE EXCEPTION 'policy id % may not change', OLD.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (NEW.keyset_hash, NEW.network, NEW.script, NEW.threshold, NEW.signer_count)
       IS DISTINCT FROM (OLD.keyset_hash, OLD.network, OLD.script, OLD.threshold, OLD.signer_count)
     AND EXISTS (SELECT 1 FROM policy_addresses WHERE policy_id = OLD.id) THEN
    RAISE EXCEPTION 'policy % has issued addresses: its key set may not change (a new key set is a new policy id)', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.version < OLD.version THEN
    RAISE EXCEPTION 'policy % version may not go back from % to %', OLD.id, OLD.version, NEW.version
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER policies_keyset_immutable
  BEFORE UPDATE ON policies
  FOR EACH ROW EXECUTE FUNCTION policies_keyset_guard();
--> statement-breakpoint
CREATE TRIGGER policies_no_delete
  BEFORE DELETE OR TRUNCATE ON policies
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER policy_versions_append_only
  BEFORE UPDATE OR DELETE ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER policy_versions_no_truncate
  BEFORE TRUNCATE ON policy_versions
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
-- An address never moves to another policy, chain or index, never changes script, and is never
-- deleted; only its state and labels evolve.
CREATE OR REPLACE FUNCTION policy_addresses_identity_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.address, NEW.policy_id, NEW.chain, NEW.index, NEW.script_pub_key, NEW.witness_script)
       IS DISTINCT FROM (OLD.address, OLD.policy_id, OLD.chain, OLD.index, OLD.script_pub_key, OLD.witness_script) THEN
    RAISE EXCEPTION 'address % identity is immutable', OLD.address USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.state = 'used' AND NEW.state <> 'used' THEN
    RAISE EXCEPTION 'address % was used; it cannot become unused', OLD.address USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER policy_addresses_identity_immutable
  BEFORE UPDATE ON policy_addresses
  FOR EACH ROW EXECUTE FUNCTION policy_addresses_identity_guard();
--> statement-breakpoint
CREATE TRIGGER policy_addresses_no_delete
  BEFORE DELETE OR TRUNCATE ON policy_addresses
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
