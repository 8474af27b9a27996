CREATE TABLE "btc_price_marks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"currency" text NOT NULL,
	"price" numeric(30, 8) NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "btc_price_marks_price_positive" CHECK ("btc_price_marks"."price" > 0),
	CONSTRAINT "btc_price_marks_currency" CHECK ("btc_price_marks"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "btc_price_marks_source_length" CHECK (length("btc_price_marks"."source") between 1 and 200)
);
--> statement-breakpoint
CREATE TABLE "energy_tariffs" (
	"id" text PRIMARY KEY NOT NULL,
	"site_id" text NOT NULL,
	"effective_from" timestamp with time zone NOT NULL,
	"effective_to" timestamp with time zone,
	"price_per_kwh" numeric(30, 10) NOT NULL,
	"currency" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "energy_tariffs_period" CHECK ("energy_tariffs"."effective_to" is null or "energy_tariffs"."effective_to" > "energy_tariffs"."effective_from"),
	CONSTRAINT "energy_tariffs_price_positive" CHECK ("energy_tariffs"."price_per_kwh" > 0),
	CONSTRAINT "energy_tariffs_currency_shape" CHECK ("energy_tariffs"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "fx_rates" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"base" text NOT NULL,
	"quote" text NOT NULL,
	"rate" numeric(30, 12) NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fx_rates_rate_positive" CHECK ("fx_rates"."rate" > 0),
	CONSTRAINT "fx_rates_currencies" CHECK ("fx_rates"."base" ~ '^[A-Z]{3}$' and "fx_rates"."quote" ~ '^[A-Z]{3}$' and "fx_rates"."base" <> "fx_rates"."quote"),
	CONSTRAINT "fx_rates_source_length" CHECK (length("fx_rates"."source") between 1 and 200)
);
--> statement-breakpoint
CREATE TABLE "network_daily" (
	"day" date PRIMARY KEY NOT NULL,
	"difficulty" numeric(40, 8) NOT NULL,
	"blocks" integer NOT NULL,
	"avg_subsidy_sat" bigint NOT NULL,
	"avg_fees_sat" numeric(20, 4) NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "network_daily_difficulty_positive" CHECK ("network_daily"."difficulty" > 0),
	CONSTRAINT "network_daily_blocks_range" CHECK ("network_daily"."blocks" between 0 and 10000),
	CONSTRAINT "network_daily_subsidy_range" CHECK ("network_daily"."avg_subsidy_sat" between 0 and 5000000000),
	CONSTRAINT "network_daily_fees_range" CHECK ("network_daily"."avg_fees_sat" >= 0 and "network_daily"."avg_fees_sat" <= 2100000000000000)
);
--> statement-breakpoint
CREATE TABLE "production_reports" (
	"id" text PRIMARY KEY NOT NULL,
	"site_id" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"day" date NOT NULL,
	"hashrate_ths" numeric(24, 6) NOT NULL,
	"energy_kwh" numeric(24, 6) NOT NULL,
	"uptime" numeric(7, 6) NOT NULL,
	"work_ths" numeric(30, 6) NOT NULL,
	"energy_cost" numeric(30, 8) NOT NULL,
	"energy_currency" text NOT NULL,
	"cost_breakdown" jsonb NOT NULL,
	"ledger_entry_id" text,
	"replaces_id" text,
	"superseded_by" text,
	"superseded_at" timestamp with time zone,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "production_reports_period" CHECK ("production_reports"."period_end" > "production_reports"."period_start" and "production_reports"."period_end" <= "production_reports"."period_start" + interval '1 day'),
	CONSTRAINT "production_reports_one_day" CHECK ("production_reports"."period_end" <= ("production_reports"."day"::timestamp at time zone 'UTC') + interval '1 day' and "production_reports"."period_start" >= ("production_reports"."day"::timestamp at time zone 'UTC')),
	CONSTRAINT "production_reports_nonnegative" CHECK ("production_reports"."hashrate_ths" >= 0 and "production_reports"."energy_kwh" >= 0 and "production_reports"."work_ths" >= 0 and "production_reports"."energy_cost" >= 0),
	CONSTRAINT "production_reports_uptime_range" CHECK ("production_reports"."uptime" between 0 and 1),
	CONSTRAINT "production_reports_source" CHECK ("production_reports"."source" in ('api', 'webhook', 'demo'))
);
--> statement-breakpoint
CREATE TABLE "production_sites" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"region" text NOT NULL,
	"energy_source" text NOT NULL,
	"pool_kind" text NOT NULL,
	"pool_scheme" text,
	"pool_name" text,
	"pool_fee_rate" numeric(6, 5),
	"underpayment_tolerance" numeric(6, 5),
	"energy_supplier" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "production_sites_id_shape" CHECK ("id" ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
	CONSTRAINT "production_sites_supplier_shape" CHECK ("energy_supplier" ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
	CONSTRAINT "production_sites_name_length" CHECK (length("production_sites"."name") between 1 and 200),
	CONSTRAINT "production_sites_region_length" CHECK (length("production_sites"."region") between 1 and 200),
	CONSTRAINT "production_sites_energy_source" CHECK ("production_sites"."energy_source" in ('hydro', 'nuclear', 'gas_flare', 'wind', 'solar', 'grid', 'other')),
	CONSTRAINT "production_sites_pool_shape" CHECK (("production_sites"."pool_kind" = 'solo' and "production_sites"."pool_scheme" is null and "production_sites"."pool_fee_rate" is null)
       or ("production_sites"."pool_kind" = 'pool' and "production_sites"."pool_scheme" in ('fpps', 'pps+', 'pplns') and "production_sites"."pool_fee_rate" >= 0 and "production_sites"."pool_fee_rate" < 1)),
	CONSTRAINT "production_sites_tolerance_range" CHECK ("production_sites"."underpayment_tolerance" is null or ("production_sites"."underpayment_tolerance" >= 0 and "production_sites"."underpayment_tolerance" < 1))
);
--> statement-breakpoint
ALTER TABLE "energy_tariffs" ADD CONSTRAINT "energy_tariffs_site_id_production_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."production_sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "production_reports" ADD CONSTRAINT "production_reports_site_id_production_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."production_sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "btc_price_marks_at_source_idx" ON "btc_price_marks" USING btree ("currency","at","source");--> statement-breakpoint
CREATE INDEX "energy_tariffs_site_idx" ON "energy_tariffs" USING btree ("site_id","effective_from");--> statement-breakpoint
CREATE UNIQUE INDEX "fx_rates_pair_at_source_idx" ON "fx_rates" USING btree ("base","quote","at","source");--> statement-breakpoint
CREATE INDEX "fx_rates_lookup_idx" ON "fx_rates" USING btree ("base","quote","at");--> statement-breakpoint
CREATE UNIQUE INDEX "production_reports_active_idx" ON "production_reports" USING btree ("site_id","period_start") WHERE "production_reports"."superseded_by" is null;--> statement-breakpoint
CREATE INDEX "production_reports_day_idx" ON "production_reports" USING btree ("day","site_id");