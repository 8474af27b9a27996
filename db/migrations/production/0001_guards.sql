-- Energy tariffs of one site never overlap. Checked under a lock on the site row, so two
-- concurrent inserts for one site are serialised (btree_gist, which an exclusion constraint
-- on (site_id, period) would need, is not available on the embedded engine).
CREATE OR REPLACE FUNCTION energy_tariffs_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  clash text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    -- The one change allowed: closing an open-ended tariff.
    IF OLD.effective_to IS NOT NULL OR NEW.effective_to IS NULL
       OR (NEW.id, NEW.site_id, NEW.effective_from, NEW.price_per_kwh, NEW.currency, NEW.created_at)
          IS DISTINCT FROM (OLD.id, OLD.site_id, OLD.effective_from, OLD.price_per_kwh, OLD.currency, OLD.created_at) THEN
      RAISE EXCEPTION 'energy_tariffs: only closing an open-ended tariff is allowed' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  PERFORM 1 FROM production_sites WHERE id = NEW.site_id FOR UPDATE;
  SELECT id INTO clash FROM energy_tariffs
   WHERE site_id = NEW.site_id AND id <> NEW.id
     AND effective_from < coalesce(NEW.effective_to, 'infinity'::timestamptz)
     AND coalesce(effective_to, 'infinity'::timestamptz) > NEW.effective_from
   LIMIT 1;
  IF clash IS NOT NULL THEN
    RAISE EXCEPTION 'energy tariff overlaps tariff %', clash USING ERRCODE = 'exclusion_violation', DETAIL = clash;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER energy_tariffs_guard BEFORE INSERT OR UPDATE ON energy_tariffs
  FOR EACH ROW EXECUTE FUNCTION energy_tariffs_guard();
--> statement-breakpoint
CREATE TRIGGER energy_tariffs_no_delete BEFORE DELETE ON energy_tariffs
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER energy_tariffs_no_truncate BEFORE TRUNCATE ON energy_tariffs
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
-- Production reports: active reports of a site never overlap; a report is never edited or
-- deleted, only superseded (once) by its correction.
CREATE OR REPLACE FUNCTION production_reports_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  clash text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.superseded_by IS NOT NULL OR NEW.superseded_by IS NULL OR NEW.superseded_at IS NULL
       OR (NEW.id, NEW.site_id, NEW.period_start, NEW.period_end, NEW.day, NEW.hashrate_ths, NEW.energy_kwh, NEW.uptime,
           NEW.work_ths, NEW.energy_cost, NEW.energy_currency, NEW.cost_breakdown, NEW.ledger_entry_id, NEW.replaces_id, NEW.source, NEW.created_at)
          IS DISTINCT FROM
          (OLD.id, OLD.site_id, OLD.period_start, OLD.period_end, OLD.day, OLD.hashrate_ths, OLD.energy_kwh, OLD.uptime,
           OLD.work_ths, OLD.energy_cost, OLD.energy_currency, OLD.cost_breakdown, OLD.ledger_entry_id, OLD.replaces_id, OLD.source, OLD.created_at) THEN
      RAISE EXCEPTION 'production_reports: a report is only ever superseded, never edited' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  PERFORM 1 FROM production_sites WHERE id = NEW.site_id FOR UPDATE;
  -- Reports last at most a day, so only those starting in the day before can overlap.
  SELECT id INTO clash FROM production_reports
   WHERE site_id = NEW.site_id AND superseded_by IS NULL
     AND period_start > NEW.period_start - interval '1 day'
     AND period_start < NEW.period_end AND period_end > NEW.period_start
   LIMIT 1;
  IF clash IS NOT NULL THEN
    RAISE EXCEPTION 'production report overlaps report %', clash USING ERRCODE = 'exclusion_violation', DETAIL = clash;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER production_reports_guard BEFORE INSERT OR UPDATE ON production_reports
  FOR EACH ROW EXECUTE FUNCTION production_reports_guard();
--> statement-breakpoint
CREATE TRIGGER production_reports_no_delete BEFORE DELETE ON production_reports
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER production_reports_no_truncate BEFORE TRUNCATE ON production_reports
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER fx_rates_append_only BEFORE UPDATE OR DELETE ON fx_rates
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER btc_price_marks_append_only BEFORE UPDATE OR DELETE ON btc_price_marks
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER network_daily_append_only BEFORE UPDATE OR DELETE ON network_daily
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
