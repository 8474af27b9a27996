-- The ledger's invariants, held by the database whatever code writes (docs/ledger.md).
-- Write order inside a transaction: accounts (on first use), then the postings of an entry,
-- then the entry. The entry's BEFORE INSERT trigger checks its postings, locks the chain
-- head, assigns seq/prev_hash/recorded_at/hash; its AFTER INSERT trigger updates balances.

INSERT INTO ledger_chain_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
--> statement-breakpoint
ALTER TABLE ledger_postings ADD CONSTRAINT ledger_postings_entry_fk
  FOREIGN KEY (entry_id) REFERENCES ledger_entries (id) DEFERRABLE INITIALLY DEFERRED;
--> statement-breakpoint
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_reverses_fk
  FOREIGN KEY (reverses_seq) REFERENCES ledger_entries (seq);
--> statement-breakpoint
-- One canonical field: "<UTF-8 byte length>:<UTF-8 bytes>".
CREATE FUNCTION ledger_field(value text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT convert_to(octet_length(convert_to(value, 'UTF8'))::text || ':', 'UTF8') || convert_to(value, 'UTF8')
$$;
--> statement-breakpoint
-- RFC 3339 UTC with milliseconds, exactly as JavaScript's Date.toISOString prints it.
CREATE FUNCTION ledger_time_text(value timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
--> statement-breakpoint
-- Canonical decimal: no exponent, no trailing fraction zeros, zero is "0".
CREATE FUNCTION ledger_decimal_text(value numeric) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT trim_scale(value)::text
$$;
--> statement-breakpoint
-- The canonical bytes of an entry and its stored postings (src/ledger/canonical.ts builds the same).
CREATE FUNCTION ledger_canonical(e ledger_entries) RETURNS bytea
LANGUAGE sql STABLE AS $$
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
      || ledger_field(p.n::text)
      || coalesce(p.bytes, ''::bytea)
  FROM (
    SELECT count(*) AS n,
           string_agg(
               ledger_field(account)
            || ledger_field(commodity)
            || ledger_field(coalesce(amount_sat::text, ledger_decimal_text(amount)))
            || ledger_field(coalesce(ledger_decimal_text(price_amount) || ' ' || price_commodity, ''))
            || ledger_field(coalesce(ledger_decimal_text(cost_amount) || ' ' || cost_commodity, '')),
             ''::bytea ORDER BY idx) AS bytes
    FROM ledger_postings WHERE entry_id = e.id
  ) p
$$;
--> statement-breakpoint
CREATE FUNCTION ledger_entry_append() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash text;
  n integer;
  lowest integer;
  highest integer;
  unbalanced text;
BEGIN
  SELECT count(*), min(idx), max(idx) INTO n, lowest, highest FROM ledger_postings WHERE entry_id = NEW.id;
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
  NEW.hash := encode(sha256(decode(head_hash, 'hex') || ledger_canonical(NEW)), 'hex');
  UPDATE ledger_chain_head SET last_seq = NEW.seq, last_hash = NEW.hash WHERE id = 1;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_append
  BEFORE INSERT ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_append();
--> statement-breakpoint
-- Balances move in the same transaction as the entry (and still under the head lock).
CREATE FUNCTION ledger_entry_apply_balances() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger_balances AS b (account, commodity, balance, last_seq)
  SELECT account, commodity, sum(coalesce(amount_sat::numeric, amount)), NEW.seq
  FROM ledger_postings WHERE entry_id = NEW.id
  GROUP BY account, commodity
  ON CONFLICT (account, commodity) DO UPDATE SET balance = b.balance + excluded.balance, last_seq = excluded.last_seq;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_apply_balances
  AFTER INSERT ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_apply_balances();
--> statement-breakpoint
-- A posting joins an entry that does not exist yet; once the entry is in, it is closed.
-- An account limited to some commodities refuses the others.
CREATE FUNCTION ledger_posting_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM ledger_entries WHERE id = NEW.entry_id) THEN
    RAISE EXCEPTION 'ledger entry % is already posted; its postings cannot change', NEW.entry_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_closed';
  END IF;
  IF EXISTS (SELECT 1 FROM ledger_accounts WHERE name = NEW.account AND commodities IS NOT NULL AND NOT (NEW.commodity = ANY (commodities))) THEN
    RAISE EXCEPTION 'account % may not hold %', NEW.account, NEW.commodity
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_account_commodity';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_postings_guard
  BEFORE INSERT ON ledger_postings
  FOR EACH ROW EXECUTE FUNCTION ledger_posting_guard();
--> statement-breakpoint
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_accounts_append_only BEFORE UPDATE OR DELETE ON ledger_accounts
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_chain_head_no_delete BEFORE DELETE ON ledger_chain_head
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
