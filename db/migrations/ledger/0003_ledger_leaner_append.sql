-- Less work per append, the same rules (docs/ledger.md and 0001 still describe them exactly):
-- the posting guard runs once per statement over its new rows instead of once per row, and the
-- append trigger reads an entry's postings once for the count, the order and the canonical bytes.

-- The canonical bytes of one posting: account, commodity, amount, price, cost (five fields).
CREATE FUNCTION ledger_posting_bytes(p ledger_postings) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT ledger_field(p.account)
      || ledger_field(p.commodity)
      || ledger_field(coalesce(p.amount_sat::text, ledger_decimal_text(p.amount)))
      || ledger_field(coalesce(ledger_decimal_text(p.price_amount) || ' ' || p.price_commodity, ''))
      || ledger_field(coalesce(ledger_decimal_text(p.cost_amount) || ' ' || p.cost_commodity, ''))
$$;
--> statement-breakpoint
-- The canonical bytes of an entry's own fields, up to and including the posting count.
CREATE FUNCTION ledger_canonical_header(e ledger_entries, posting_count bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT ledger_field('reserve-ledger-entry/1')
      || ledger_field(e.seq::text)
      || ledger_field(e.id)
      || ledger_field(ledger_time_text(e.occurred_at))
      || ledger_field(ledger_time_text(e.recorded_at))
      || ledger_field(e.kind)
      || ledger_field(e.description)
      || ledger_field(e.source_type)
      || ledger_field(e.source_id)
      || ledger_field(e.actor)
      || ledger_field(coalesce(e.reverses_seq::text, ''))
      || ledger_field(posting_count::text)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_canonical(e ledger_entries) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
  n bigint;
  posting_bytes bytea;
BEGIN
  SELECT count(*), string_agg(ledger_posting_bytes(p), ''::bytea ORDER BY p.idx)
    INTO n, posting_bytes
  FROM ledger_postings p WHERE p.entry_id = e.id;
  RETURN ledger_canonical_header(e, n) || coalesce(posting_bytes, ''::bytea);
END;
$$;
--> statement-breakpoint
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
  SELECT count(*), min(p.idx), max(p.idx), string_agg(ledger_posting_bytes(p), ''::bytea ORDER BY p.idx)
    INTO n, lowest, highest, posting_bytes
  FROM ledger_postings p WHERE p.entry_id = NEW.id;
  IF n < 2 THEN
    RAISE EXCEPTION 'ledger entry % has % posting(s); an entry needs at least two', NEW.id, n
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_two_postings';
  END IF;
  IF lowest <> 0 OR highest <> n - 1 THEN
    RAISE EXCEPTION 'ledger entry %: posting indexes must be 0..%', NEW.id, n - 1
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_posting_order';
  END IF;
  SELECT string_agg(commodity, ', ' ORDER BY commodity) INTO unbalanced FROM (
    SELECT commodity FROM ledger_postings WHERE entry_id = NEW.id
    GROUP BY commodity HAVING sum(coalesce(amount_sat::numeric, amount)) <> 0
  ) u;
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
DROP TRIGGER ledger_postings_guard ON ledger_postings;
--> statement-breakpoint
DROP FUNCTION ledger_posting_guard();
--> statement-breakpoint
-- A posting joins an entry that does not exist yet; once the entry is in, it is closed.
-- An account limited to some commodities refuses the others. Once per statement, over its rows.
CREATE FUNCTION ledger_postings_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  offending text;
BEGIN
  SELECT n.entry_id INTO offending FROM new_postings n JOIN ledger_entries e ON e.id = n.entry_id LIMIT 1;
  IF offending IS NOT NULL THEN
    RAISE EXCEPTION 'ledger entry % is already posted; its postings cannot change', offending
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_closed';
  END IF;
  SELECT n.account || ' may not hold ' || n.commodity INTO offending
  FROM new_postings n JOIN ledger_accounts a ON a.name = n.account
  WHERE a.commodities IS NOT NULL AND NOT (n.commodity = ANY (a.commodities)) LIMIT 1;
  IF offending IS NOT NULL THEN
    RAISE EXCEPTION 'account %', offending
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_account_commodity';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_postings_guard
  AFTER INSERT ON ledger_postings
  REFERENCING NEW TABLE AS new_postings
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_guard();
