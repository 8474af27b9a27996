-- ledger_append as in 0002, but a batch's entries go in with one INSERT ... SELECT in the batch's
-- order instead of one INSERT per entry (each statement's set-up cost was paid per entry, under
-- the head lock). The entry trigger still fires once per row, in that order, and assigns seq,
-- prev_hash, recorded_at and hash exactly as before; the result has the same rows.
CREATE OR REPLACE FUNCTION ledger_append(batch jsonb, skip_posted boolean)
RETURNS TABLE (posted_id text, posted_seq text, posted_prev_hash text, posted_hash text, posted_recorded_at text)
LANGUAGE plpgsql AS $$
DECLARE
  fresh jsonb := batch;
  posted_before text[];
BEGIN
  -- The head lock first (see 0002): once held, every earlier append is visible, so the duplicate
  -- check below is exact and a skipped duplicate never aborts the caller's transaction.
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

  -- One statement for all entries; rows reach the trigger in batch order.
  RETURN QUERY
  WITH inserted AS (
    INSERT INTO ledger_entries (id, occurred_at, kind, description, source_type, source_id, actor, reverses_seq)
    SELECT b.value ->> 'id', (b.value ->> 'occurred_at')::timestamptz, b.value ->> 'kind', b.value ->> 'description',
           b.value ->> 'source_type', b.value ->> 'source_id', b.value ->> 'actor', (b.value ->> 'reverses_seq')::bigint
    FROM jsonb_array_elements(fresh) WITH ORDINALITY b ORDER BY b.ordinality
    RETURNING id, seq, prev_hash, hash, recorded_at
  )
  SELECT i.id, i.seq::text, i.prev_hash, i.hash, ledger_time_text(i.recorded_at) FROM inserted i
  UNION ALL
  SELECT s, NULL, NULL, NULL, NULL FROM unnest(posted_before) s;
END;
$$;
