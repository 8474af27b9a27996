-- A proposal's inputs are one INSERT of up to SPEND_MAX_INPUTS rows. Their foreign key to spends ran its check once
-- per row, each locking the same spends row (about 30 ms of a 200-input proposal). The statement-level trigger of
-- 0005 already refuses, once per statement, inputs whose spend does not exist or is not proposed; spends are never
-- deleted (the spends_guard of 0001) and, from here, never truncated, so no input can lose its spend afterwards.
ALTER TABLE "spend_inputs" DROP CONSTRAINT "spend_inputs_spend_id_spends_id_fk";
--> statement-breakpoint
CREATE TRIGGER spends_no_truncate BEFORE TRUNCATE ON spends
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
