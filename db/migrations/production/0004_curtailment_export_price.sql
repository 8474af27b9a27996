ALTER TABLE "production_daily" ADD COLUMN "curtailed_hours" numeric(30, 4) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "production_daily" ADD COLUMN "curtailment_reports" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "production_reports" ADD COLUMN "curtailed_hours" numeric(8, 4);--> statement-breakpoint
ALTER TABLE "production_sites" ADD COLUMN "export_price_per_kwh" numeric(18, 10);--> statement-breakpoint
ALTER TABLE "production_sites" ADD COLUMN "export_currency" text;--> statement-breakpoint
ALTER TABLE "production_reports" ADD CONSTRAINT "production_reports_curtailed_range" CHECK ("production_reports"."curtailed_hours" is null or ("production_reports"."curtailed_hours" >= 0 and "production_reports"."curtailed_hours" * interval '1 hour' <= "production_reports"."period_end" - "production_reports"."period_start"));--> statement-breakpoint
ALTER TABLE "production_sites" ADD CONSTRAINT "production_sites_export_price" CHECK (("production_sites"."export_price_per_kwh" is null and "production_sites"."export_currency" is null)
       or ("production_sites"."export_price_per_kwh" >= 0 and "production_sites"."export_currency" ~ '^[A-Z]{3}$'));