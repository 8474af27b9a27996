-- The spend states (coins/lifecycle.ts): a coin enters `locked` only from `available` (a spend
-- holds it) or from `spent` (the spending block was reorganised away); it enters `spent` only from
-- `locked` or `available` (spent outside Reserve); and it leaves `locked` or `spent` only for
-- one of those. The chain moves no locked or spent coin. Same guard as 0006 otherwise.
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
    OR (OLD.status = 'locked' AND NEW.status NOT IN ('available', 'spent'))
    OR (OLD.status = 'spent' AND NEW.status NOT IN ('available', 'locked'))) THEN
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
