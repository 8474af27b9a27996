-- The header tree is append-only and every header has its parent one height below, except the
-- first row (the checkpoint). The proof-of-work rules are checked in code (chain/spv); the
-- database holds the shape a reorg and the tip query rely on.
CREATE OR REPLACE FUNCTION chain_headers_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'chain_headers is append-only (% refused)', TG_OP USING ERRCODE = 'check_violation';
  END IF;
  -- A known hash is left to ON CONFLICT (the checkpoint is re-inserted with DO NOTHING).
  IF EXISTS (SELECT 1 FROM chain_headers WHERE hash = NEW.hash) THEN
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM chain_headers)
     AND NOT EXISTS (SELECT 1 FROM chain_headers p WHERE p.hash = NEW.prev_hash AND p.height = NEW.height - 1) THEN
    RAISE EXCEPTION 'chain_headers: % at height % has no parent % at height %',
      NEW.hash, NEW.height, NEW.prev_hash, NEW.height - 1 USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER chain_headers_guard BEFORE INSERT OR UPDATE OR DELETE ON chain_headers
  FOR EACH ROW EXECUTE FUNCTION chain_headers_guard();
