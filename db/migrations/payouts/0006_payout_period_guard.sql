-- The production period a payout pays for is one of its facts: once recorded it never changes
-- (its receipt was booked by it). Same guard as 0001, with the period among the facts.
CREATE OR REPLACE FUNCTION reserve_utxo_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'utxos: DELETE refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status = 'orphaned' AND NEW.status <> 'orphaned' THEN
    RAISE EXCEPTION 'utxos: %:% is orphaned for good', OLD.txid, OLD.vout USING ERRCODE = 'check_violation';
  END IF;
  IF (OLD.txid, OLD.vout, OLD.policy_id, OLD.network, OLD.address, OLD.amount_sat, OLD.coinbase, OLD.site_id, OLD.period_start, OLD.period_end)
     IS DISTINCT FROM (NEW.txid, NEW.vout, NEW.policy_id, NEW.network, NEW.address, NEW.amount_sat, NEW.coinbase, NEW.site_id, NEW.period_start, NEW.period_end) THEN
    RAISE EXCEPTION 'utxos: the facts of %:% may not change', OLD.txid, OLD.vout USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
