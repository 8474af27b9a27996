CREATE TABLE "production_daily" (
	"site_id" text NOT NULL,
	"day" date NOT NULL,
	"currency" text NOT NULL,
	"reports" integer NOT NULL,
	"work_ths" numeric(30, 6) NOT NULL,
	"seconds" bigint NOT NULL,
	"energy_kwh" numeric(30, 6) NOT NULL,
	"energy_cost" numeric(30, 8) NOT NULL,
	CONSTRAINT "production_daily_site_id_day_currency_pk" PRIMARY KEY("site_id","day","currency"),
	CONSTRAINT "production_daily_nonnegative" CHECK ("production_daily"."reports" >= 0 and "production_daily"."seconds" >= 0 and "production_daily"."work_ths" >= 0 and "production_daily"."energy_kwh" >= 0 and "production_daily"."energy_cost" >= 0)
);
--> statement-breakpoint
ALTER TABLE "production_daily" ADD CONSTRAINT "production_daily_site_id_production_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."production_sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "production_daily_day_idx" ON "production_daily" USING btree ("day");