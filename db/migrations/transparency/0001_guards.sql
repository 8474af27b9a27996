-- The transparency log's rules, whoever writes (docs/transparency.md).
-- 1. The tree grows only through transparency_extend(), which hashes the ledger's own entries
--    (ledger_canonical(), the bytes the chain hashes) into leaves and combines complete subtrees
--    set-wise, level by level: one INSERT per level per batch, never a round trip per entry.
-- 2. Nodes, the head's size and checkpoints are never updated backwards or deleted.
-- 3. A checkpoint must be larger than the previous one, have the root the stored tree gives for
--    its size, and the tree must still give the previous checkpoint's root: the log never signs
--    two views, even if someone rewrote entries and recomputed the tree underneath.
INSERT INTO transparency_head (id, size) VALUES (1, 0);
--> statement-breakpoint
CREATE FUNCTION transparency_extend(max_leaves integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  old_size bigint;
  new_size bigint;
  added bigint;
  lvl integer := 0;
  lo bigint;
  hi bigint;
BEGIN
  -- One follower at a time (several instances may run); appends never wait on this lock.
  SELECT size INTO old_size FROM transparency_head WHERE id = 1 FOR UPDATE;
  SELECT least(h.last_seq, old_size + max_leaves) INTO new_size FROM ledger_chain_head h WHERE h.id = 1;
  IF new_size IS NULL OR new_size <= old_size THEN
    RETURN old_size;
  END IF;
  INSERT INTO transparency_nodes (level, idx, hash)
  SELECT 0, e.seq - 1, sha256('\x00'::bytea || ledger_canonical(e))
  FROM ledger_entries e WHERE e.seq > old_size AND e.seq <= new_size;
  GET DIAGNOSTICS added = ROW_COUNT;
  IF added <> new_size - old_size THEN
    RAISE EXCEPTION 'transparency: entries % to % are not all visible (% found)', old_size + 1, new_size, added
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_leaves_gapless';
  END IF;
  lo := old_size;
  hi := new_size;
  LOOP
    lvl := lvl + 1;
    lo := lo / 2;
    hi := hi / 2;
    EXIT WHEN lo >= hi;
    -- The nodes of this level that the new leaves complete: [old >> lvl, new >> lvl).
    INSERT INTO transparency_nodes (level, idx, hash)
    SELECT lvl, l.idx / 2, sha256('\x01'::bytea || l.hash || r.hash)
    FROM transparency_nodes l
    JOIN transparency_nodes r ON r.level = lvl - 1 AND r.idx = l.idx + 1
    WHERE l.level = lvl - 1 AND l.idx >= lo * 2 AND l.idx < hi * 2 AND l.idx % 2 = 0;
  END LOOP;
  UPDATE transparency_head SET size = new_size WHERE id = 1;
  RETURN new_size;
END;
$$;
--> statement-breakpoint
-- The tree head of the first tree_size leaves from the stored complete subtrees: the subtrees
-- of tree_size's binary decomposition, folded right to left (O(log n) index probes).
CREATE FUNCTION transparency_root(tree_size bigint) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
  r bytea;
  h bytea;
  lvl integer := 0;
  rem bigint := tree_size;
  start bigint := tree_size;
BEGIN
  IF tree_size = 0 THEN
    RETURN sha256(''::bytea);
  END IF;
  WHILE rem > 0 LOOP
    IF rem % 2 = 1 THEN
      start := start - (1::bigint << lvl);
      SELECT n.hash INTO h FROM transparency_nodes n WHERE n.level = lvl AND n.idx = start >> lvl;
      IF h IS NULL THEN
        RAISE EXCEPTION 'transparency: no stored node at level % index %', lvl, start >> lvl
          USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_tree_complete';
      END IF;
      r := CASE WHEN r IS NULL THEN h ELSE sha256('\x01'::bytea || h || r) END;
    END IF;
    rem := rem / 2;
    lvl := lvl + 1;
  END LOOP;
  RETURN r;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION transparency_checkpoint_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  tree_size bigint;
  prev_size bigint;
  prev_root bytea;
BEGIN
  -- Serialise with the follower and with other checkpoints.
  SELECT size INTO tree_size FROM transparency_head WHERE id = 1 FOR UPDATE;
  SELECT c.size, c.root INTO prev_size, prev_root FROM transparency_checkpoints c ORDER BY c.size DESC LIMIT 1;
  IF prev_size IS NOT NULL AND NEW.size <= prev_size THEN
    RAISE EXCEPTION 'transparency: checkpoint of size % is not larger than the previous one (%)', NEW.size, prev_size
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_checkpoint_grows';
  END IF;
  IF NEW.size > tree_size THEN
    RAISE EXCEPTION 'transparency: checkpoint of size % is beyond the tree (%)', NEW.size, tree_size
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_checkpoint_in_tree';
  END IF;
  IF NEW.root <> transparency_root(NEW.size) THEN
    RAISE EXCEPTION 'transparency: checkpoint root is not the tree head of size %', NEW.size
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_checkpoint_root';
  END IF;
  IF prev_size IS NOT NULL AND transparency_root(prev_size) <> prev_root THEN
    RAISE EXCEPTION 'transparency: the tree no longer gives the root of checkpoint % (a rewritten ledger)', prev_size
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_checkpoint_consistent';
  END IF;
  IF split_part(NEW.body, E'\n', 2) <> NEW.size::text OR split_part(NEW.body, E'\n', 3) <> encode(NEW.root, 'base64') THEN
    RAISE EXCEPTION 'transparency: checkpoint body does not state size % and its root', NEW.size
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_checkpoint_body';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER transparency_checkpoints_guard BEFORE INSERT ON transparency_checkpoints
  FOR EACH ROW EXECUTE FUNCTION transparency_checkpoint_guard();
--> statement-breakpoint
CREATE FUNCTION transparency_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'transparency: % of % is refused: the log is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_append_only';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER transparency_nodes_append_only BEFORE UPDATE OR DELETE ON transparency_nodes
  FOR EACH ROW EXECUTE FUNCTION transparency_refuse_change();
--> statement-breakpoint
CREATE TRIGGER transparency_nodes_no_truncate BEFORE TRUNCATE ON transparency_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION transparency_refuse_change();
--> statement-breakpoint
CREATE TRIGGER transparency_checkpoints_append_only BEFORE UPDATE OR DELETE ON transparency_checkpoints
  FOR EACH ROW EXECUTE FUNCTION transparency_refuse_change();
--> statement-breakpoint
CREATE TRIGGER transparency_checkpoints_no_truncate BEFORE TRUNCATE ON transparency_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION transparency_refuse_change();
--> statement-breakpoint
CREATE TRIGGER transparency_cosignatures_append_only BEFORE UPDATE OR DELETE ON transparency_cosignatures
  FOR EACH ROW EXECUTE FUNCTION transparency_refuse_change();
--> statement-breakpoint
CREATE TRIGGER transparency_cosignatures_no_truncate BEFORE TRUNCATE ON transparency_cosignatures
  FOR EACH STATEMENT EXECUTE FUNCTION transparency_refuse_change();
--> statement-breakpoint
-- The head's size only grows; its log key, once set, never changes.
CREATE FUNCTION transparency_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'transparency: the head row cannot be deleted'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_append_only';
  END IF;
  IF NEW.size < OLD.size THEN
    RAISE EXCEPTION 'transparency: the tree cannot shrink from % to %', OLD.size, NEW.size
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_append_only';
  END IF;
  IF OLD.log_key IS NOT NULL AND NEW.log_key IS DISTINCT FROM OLD.log_key THEN
    RAISE EXCEPTION 'transparency: the log key is % and cannot change', OLD.log_key
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transparency_log_key_fixed';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER transparency_head_guard BEFORE UPDATE OR DELETE ON transparency_head
  FOR EACH ROW EXECUTE FUNCTION transparency_head_guard();
