-- Less work per appended entry, the same rules (docs/ledger.md; 0001 and 0003 describe them).
-- Measured with auto_explain on a batch of five two-posting entries: besides the statements
-- of ledger_append, each entry paid two plpgsql trigger calls and five statements of its own.
-- 1. Balances move once per INSERT statement instead of once per entry: one upsert over all
--    the statement's new entries (a transition table), each balance row touched once, in
--    account order. last_seq is the highest seq that moved the balance, as before (the
--    per-row trigger left the last entry's seq, which is the same number).
-- 2. The append trigger reads an entry's postings in one statement for the count, the index
--    range, the canonical bytes and the per-commodity balance check (two were run before).
CREATE OR REPLACE FUNCTION ledger_entry_append() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash text;
  n bigint;
  lowest integer;
  highest integer;
  posting_bytes bytea;
  unbalanced text;
BEGIN
  SELECT a.n, a.lowest, a.highest, a.bytes, u.commodities INTO n, lowest, highest, posting_bytes, unbalanced
  FROM (
    SELECT count(*) AS n, min(p.idx) AS lowest, max(p.idx) AS highest,
           string_agg(ledger_posting_bytes(p), ''::bytea ORDER BY p.idx) AS bytes
    FROM ledger_postings p WHERE p.entry_id = NEW.id
  ) a, (
    SELECT string_agg(s.commodity, ', ' ORDER BY s.commodity) AS commodities FROM (
      SELECT q.commodity FROM ledger_postings q WHERE q.entry_id = NEW.id
      GROUP BY q.commodity HAVING sum(coalesce(q.amount_sat::numeric, q.amount)) <> 0
    ) s
  ) u;
  IF n < 2 THEN
    RAISE EXCEPTION 'ledger entry % has % posting(s); an entry needs at least two', NEW.id, n
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_two_postings';
  END IF;
  IF lowest <> 0 OR highest <> n - 1 THEN
    RAISE EXCEPTION 'ledger entry %: posting indexes must be 0..%', NEW.id, n - 1
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_posting_order';
  END IF;
  IF unbalanced IS NOT NULL THEN
    RAISE EXCEPTION 'ledger entry % does not balance in %: postings must sum to zero per commodity', NEW.id, unbalanced
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_balanced';
  END IF;

  -- The chain head: every append takes this row lock, so appends serialise and seq has no gap.
  SELECT last_seq, last_hash INTO head_seq, head_hash FROM ledger_chain_head WHERE id = 1 FOR UPDATE;
  NEW.seq := head_seq + 1;
  NEW.prev_hash := head_hash;
  NEW.recorded_at := date_trunc('milliseconds', clock_timestamp());
  NEW.hash := encode(sha256(decode(head_hash, 'hex') || ledger_canonical_header(NEW, n) || posting_bytes), 'hex');
  UPDATE ledger_chain_head SET last_seq = NEW.seq, last_hash = NEW.hash WHERE id = 1;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
DROP TRIGGER ledger_entries_apply_balances ON ledger_entries;
--> statement-breakpoint
DROP FUNCTION ledger_entry_apply_balances();
--> statement-breakpoint
-- Balances move in the same statement as the entries (and still under the head lock). The
-- postings of each new entry are found by the primary key (entry_id, idx), one probe per entry
-- (OFFSET 0 keeps the LATERAL subquery from becoming a join, which was planned as a hash join
-- over a sequential scan of all postings).
CREATE FUNCTION ledger_entries_apply_balances() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger_balances AS b (account, commodity, balance, last_seq)
  SELECT p.account, p.commodity, sum(coalesce(p.amount_sat::numeric, p.amount)), max(e.seq)
  FROM new_entries e, LATERAL (
    SELECT q.account, q.commodity, q.amount_sat, q.amount FROM ledger_postings q WHERE q.entry_id = e.id OFFSET 0
  ) p
  GROUP BY p.account, p.commodity
  ORDER BY p.account, p.commodity
  ON CONFLICT (account, commodity) DO UPDATE SET balance = b.balance + excluded.balance, last_seq = excluded.last_seq;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_apply_balances
  AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_apply_balances();
