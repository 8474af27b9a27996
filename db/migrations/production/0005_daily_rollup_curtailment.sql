-- production_daily also sums curtailed hours (and counts the reports that state them): the
-- same function as 0003 with those two columns.
CREATE OR REPLACE FUNCTION production_daily_maintain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  sign int;
  r production_reports%ROWTYPE;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.superseded_by IS NOT NULL THEN RETURN NULL; END IF;
    sign := 1; r := NEW;
  ELSIF OLD.superseded_by IS NULL AND NEW.superseded_by IS NOT NULL THEN
    sign := -1; r := OLD;
  ELSE
    RETURN NULL;
  END IF;
  IF sign < 0 THEN
    -- An UPDATE, not an upsert: the check constraint would refuse a negative proposed row.
    UPDATE production_daily SET
      reports = reports - 1,
      work_ths = work_ths - r.work_ths,
      seconds = seconds - extract(epoch from r.period_end - r.period_start)::bigint,
      energy_kwh = energy_kwh - r.energy_kwh,
      energy_cost = energy_cost - r.energy_cost,
      curtailed_hours = curtailed_hours - coalesce(r.curtailed_hours, 0),
      curtailment_reports = curtailment_reports - (r.curtailed_hours IS NOT NULL)::int
     WHERE site_id = r.site_id AND day = r.day AND currency = r.energy_currency;
    RETURN NULL;
  END IF;
  INSERT INTO production_daily AS d (site_id, day, currency, reports, work_ths, seconds, energy_kwh, energy_cost,
                                     curtailed_hours, curtailment_reports)
  VALUES (r.site_id, r.day, r.energy_currency, 1, r.work_ths,
          extract(epoch from r.period_end - r.period_start)::bigint, r.energy_kwh, r.energy_cost,
          coalesce(r.curtailed_hours, 0), (r.curtailed_hours IS NOT NULL)::int)
  ON CONFLICT (site_id, day, currency) DO UPDATE SET
    reports = d.reports + excluded.reports,
    work_ths = d.work_ths + excluded.work_ths,
    seconds = d.seconds + excluded.seconds,
    energy_kwh = d.energy_kwh + excluded.energy_kwh,
    energy_cost = d.energy_cost + excluded.energy_cost,
    curtailed_hours = d.curtailed_hours + excluded.curtailed_hours,
    curtailment_reports = d.curtailment_reports + excluded.curtailment_reports;
  RETURN NULL;
END;
$$;
