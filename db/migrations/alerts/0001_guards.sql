-- An acknowledgement is evidence that someone looked: one per alert (the primary key), never
-- changed, removed or truncated, whoever writes.
CREATE TRIGGER alert_acknowledgements_append_only
  BEFORE UPDATE OR DELETE ON alert_acknowledgements
  FOR EACH ROW EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
CREATE TRIGGER alert_acknowledgements_no_truncate
  BEFORE TRUNCATE ON alert_acknowledgements
  FOR EACH STATEMENT EXECUTE FUNCTION reserve_refuse_change();
--> statement-breakpoint
-- The open alerts by severity are read at every scrape of /metrics.
CREATE INDEX IF NOT EXISTS alerts_severity_idx ON alerts (severity, seq);
