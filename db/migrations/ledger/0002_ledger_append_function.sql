-- One statement per batch of appends (src/ledger/append.ts): accounts on first use, the
-- postings, then the entries one by one in the given order. It adds no rule of its own: the
-- triggers of 0001_ledger_guards hold every invariant, whoever writes. Its point is speed:
-- the chain-head lock is held until commit, so every round trip saved after it is taken counts.
-- The batch is a JSON array of entries; amounts travel as strings, never as JSON numbers.
-- An entry whose (kind, source) is already posted is, with skip_posted, left out and returned
-- with a null seq, so a duplicate does not abort the caller's transaction; without skip_posted
-- the whole batch is refused (unique_violation). The head lock is taken first: every
-- appender holds it until commit, so once we have it every earlier append is visible and the
-- duplicate check below is exact (the unique index remains the last word).
CREATE FUNCTION ledger_append(batch jsonb, skip_posted boolean)
RETURNS TABLE (posted_id text, posted_seq text, posted_prev_hash text, posted_hash text, posted_recorded_at text)
LANGUAGE plpgsql AS $$
DECLARE
  item jsonb;
  posted ledger_entries;
  fresh jsonb := batch;
  posted_before text[];
BEGIN
  PERFORM 1 FROM ledger_chain_head WHERE id = 1 FOR UPDATE;
  SELECT array_agg(b.value ->> 'id') INTO posted_before
  FROM jsonb_array_elements(batch) b
  WHERE EXISTS (
    SELECT 1 FROM ledger_entries x
    WHERE x.kind = b.value ->> 'kind' AND x.source_type = b.value ->> 'source_type' AND x.source_id = b.value ->> 'source_id'
  );
  IF posted_before IS NOT NULL THEN
    IF NOT skip_posted THEN
      RAISE EXCEPTION 'ledger entry %: this source has already been posted for this kind', posted_before[1]
        USING ERRCODE = 'unique_violation', CONSTRAINT = 'ledger_entries_source_once';
    END IF;
    SELECT coalesce(jsonb_agg(b.value ORDER BY b.ordinality), '[]'::jsonb) INTO fresh
    FROM jsonb_array_elements(batch) WITH ORDINALITY b
    WHERE NOT (b.value ->> 'id' = ANY (posted_before));
  END IF;

  -- Sorted, so that concurrent appenders creating the same accounts wait in one order.
  INSERT INTO ledger_accounts (name, type)
  SELECT name, CASE split_part(name, ':', 1) WHEN 'Assets' THEN 'asset' WHEN 'Liabilities' THEN 'liability'
    WHEN 'Equity' THEN 'equity' WHEN 'Income' THEN 'income' WHEN 'Expenses' THEN 'expense' END
  FROM (
    SELECT DISTINCT p.value ->> 'account' AS name
    FROM jsonb_array_elements(fresh) e, jsonb_array_elements(e.value -> 'postings') p
  ) accounts
  ORDER BY name
  ON CONFLICT DO NOTHING;

  INSERT INTO ledger_postings (entry_id, idx, account, commodity, amount_sat, amount, price_amount, price_commodity, cost_amount, cost_commodity)
  SELECT e.value ->> 'id', (p.ordinality - 1)::integer, p.value ->> 'account', p.value ->> 'commodity',
         (p.value ->> 'amount_sat')::bigint, (p.value ->> 'amount')::numeric,
         (p.value ->> 'price_amount')::numeric, p.value ->> 'price_commodity',
         (p.value ->> 'cost_amount')::numeric, p.value ->> 'cost_commodity'
  FROM jsonb_array_elements(fresh) e, jsonb_array_elements(e.value -> 'postings') WITH ORDINALITY p;

  FOR item IN SELECT b.value FROM jsonb_array_elements(batch) WITH ORDINALITY b ORDER BY b.ordinality LOOP
    IF posted_before IS NOT NULL AND item ->> 'id' = ANY (posted_before) THEN
      posted_id := item ->> 'id';
      posted_seq := NULL;
      posted_prev_hash := NULL;
      posted_hash := NULL;
      posted_recorded_at := NULL;
      RETURN NEXT;
      CONTINUE;
    END IF;
    INSERT INTO ledger_entries (id, occurred_at, kind, description, source_type, source_id, actor, reverses_seq)
    VALUES (item ->> 'id', (item ->> 'occurred_at')::timestamptz, item ->> 'kind', item ->> 'description',
            item ->> 'source_type', item ->> 'source_id', item ->> 'actor', (item ->> 'reverses_seq')::bigint)
    RETURNING * INTO posted;
    posted_id := posted.id;
    posted_seq := posted.seq::text;
    posted_prev_hash := posted.prev_hash;
    posted_hash := posted.hash;
    posted_recorded_at := ledger_time_text(posted.recorded_at);
    RETURN NEXT;
  END LOOP;
END;
$$;
--> statement-breakpoint
-- The same canonical bytes as 0001's SQL version, in PL/pgSQL so that its query plan is cached
-- per session (a non-inlined SQL function is planned again on every call: ~1 ms per append).
CREATE OR REPLACE FUNCTION ledger_canonical(e ledger_entries) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
  n bigint;
  posting_bytes bytea;
BEGIN
  SELECT count(*),
         string_agg(
             ledger_field(p.account)
          || ledger_field(p.commodity)
          || ledger_field(coalesce(p.amount_sat::text, ledger_decimal_text(p.amount)))
          || ledger_field(coalesce(ledger_decimal_text(p.price_amount) || ' ' || p.price_commodity, ''))
          || ledger_field(coalesce(ledger_decimal_text(p.cost_amount) || ' ' || p.cost_commodity, '')),
           ''::bytea ORDER BY p.idx)
    INTO n, posting_bytes
  FROM ledger_postings p WHERE p.entry_id = e.id;
  RETURN ledger_field('reserve-ledger-entry/1')
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
      || ledger_field(n::text)
      || coalesce(posting_bytes, ''::bytea);
END;
$$;
