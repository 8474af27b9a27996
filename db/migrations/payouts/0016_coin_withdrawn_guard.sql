-- `withdrawn` (coins/lifecycle.ts): a vault output of a settled transaction (a spend's change or transfer)
-- whose settlement a reorg undid. It was never spent; it no longer exists on the chain until the
-- transaction is confirmed again. A coin enters `withdrawn` only from `available` (the settlement made
-- it so; a spend holding it is invalidated and releases it first) and leaves it only for `available`
-- (the settlement restored, in this block or another). Otherwise as 0008.
CREATE OR REPLACE FUNCTION reserve_utxo_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'utxos: DELETE refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status = 'orphaned' AND NEW.status <> 'orphaned' THEN
    RAISE EXCEPTION 'utxos: %:% is orphaned for good', OLD.txid, OLD.vout USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status IS DISTINCT FROM NEW.status AND (
       (NEW.status = 'locked' AND OLD.status NOT IN ('available', 'spent'))
    OR (NEW.status = 'spent' AND OLD.status NOT IN ('available', 'locked'))
    OR (NEW.status = 'withdrawn' AND OLD.status <> 'available')
    OR (OLD.status = 'locked' AND NEW.status NOT IN ('available', 'spent'))
    OR (OLD.status = 'spent' AND NEW.status NOT IN ('available', 'locked'))
    OR (OLD.status = 'withdrawn' AND NEW.status <> 'available')) THEN
    RAISE EXCEPTION 'utxos: %:% may not move from % to %', OLD.txid, OLD.vout, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF (OLD.txid, OLD.vout, OLD.policy_id, OLD.network, OLD.address, OLD.amount_sat, OLD.coinbase, OLD.site_id, OLD.period_start, OLD.period_end)
     IS DISTINCT FROM (NEW.txid, NEW.vout, NEW.policy_id, NEW.network, NEW.address, NEW.amount_sat, NEW.coinbase, NEW.site_id, NEW.period_start, NEW.period_end) THEN
    RAISE EXCEPTION 'utxos: the facts of %:% may not change', OLD.txid, OLD.vout USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
-- Before this state existed a withdrawn output was marked `spent`: its last history row is the move
-- available -> spent that cites the reversal (coin.unspent) of its settlement. Such a coin is withdrawn:
-- its state is named so, with a history row citing the same reversal (so its valid time is the
-- withdrawal's). No ledger entry: neither state has an account. The guard above refuses spent ->
-- withdrawn, so it is set aside for this one statement.
ALTER TABLE "utxos" DISABLE TRIGGER "utxos_guard";
--> statement-breakpoint
WITH last AS (
  SELECT DISTINCT ON (h.txid, h.vout) h.txid, h.vout, h.from_status, h.to_status, h.ledger_refs
  FROM utxo_history h
  ORDER BY h.txid, h.vout, h.seq DESC
), withdrawn AS (
  UPDATE utxos u SET status = 'withdrawn', updated_at = now()
  FROM last
  WHERE u.txid = last.txid AND u.vout = last.vout AND u.status = 'spent'
    AND last.from_status = 'available' AND last.to_status = 'spent'
    AND last.ledger_refs -> 0 ->> 'kind' = 'coin.unspent'
  RETURNING u.txid, u.vout, last.ledger_refs
)
INSERT INTO utxo_history (txid, vout, from_status, to_status, reason, event_id, ledger_refs)
SELECT txid, vout, 'spent', 'withdrawn',
       'withdrawn, not spent: its settlement was undone by a reorg (named so by migration payouts/0016)',
       'migration:payouts/0016', ledger_refs
FROM withdrawn ORDER BY txid, vout;
--> statement-breakpoint
ALTER TABLE "utxos" ENABLE TRIGGER "utxos_guard";
