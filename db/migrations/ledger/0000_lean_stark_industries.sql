CREATE TABLE "ledger_accounts" (
	"name" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"commodities" text[],
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_accounts_name_shape" CHECK ("ledger_accounts"."name" ~ '^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Za-z0-9][A-Za-z0-9._-]{0,63}){0,7}$' and length("ledger_accounts"."name") <= 300),
	CONSTRAINT "ledger_accounts_type_matches_name" CHECK ("ledger_accounts"."type" = case split_part("ledger_accounts"."name", ':', 1) when 'Assets' then 'asset' when 'Liabilities' then 'liability'
        when 'Equity' then 'equity' when 'Income' then 'income' when 'Expenses' then 'expense' end)
);
--> statement-breakpoint
CREATE TABLE "ledger_balances" (
	"account" text NOT NULL,
	"commodity" text NOT NULL,
	"balance" numeric NOT NULL,
	"last_seq" bigint NOT NULL,
	CONSTRAINT "ledger_balances_account_commodity_pk" PRIMARY KEY("account","commodity")
);
--> statement-breakpoint
CREATE TABLE "ledger_chain_head" (
	"id" smallint PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL,
	"last_hash" text NOT NULL,
	CONSTRAINT "ledger_chain_head_single_row" CHECK ("ledger_chain_head"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"seq" bigint PRIMARY KEY DEFAULT 0 NOT NULL,
	"id" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT 'epoch' NOT NULL,
	"kind" text NOT NULL,
	"description" text NOT NULL,
	"source_type" text NOT NULL,
	"source_id" text NOT NULL,
	"actor" text NOT NULL,
	"reverses_seq" bigint,
	"prev_hash" text DEFAULT '' NOT NULL,
	"hash" text DEFAULT '' NOT NULL,
	CONSTRAINT "ledger_entries_id_unique" UNIQUE("id"),
	CONSTRAINT "ledger_entries_seq_positive" CHECK ("ledger_entries"."seq" > 0),
	CONSTRAINT "ledger_entries_id_shape" CHECK ("ledger_entries"."id" ~ '^ent_[0-9a-f]{20}$'),
	CONSTRAINT "ledger_entries_kind_shape" CHECK ("ledger_entries"."kind" ~ '^[a-z][a-z0-9_.-]{0,63}$'),
	CONSTRAINT "ledger_entries_source_type_shape" CHECK ("ledger_entries"."source_type" ~ '^[a-z][a-z0-9_.-]{0,63}$'),
	CONSTRAINT "ledger_entries_source_id_shape" CHECK (length("ledger_entries"."source_id") between 1 and 200),
	CONSTRAINT "ledger_entries_description_shape" CHECK (length("ledger_entries"."description") between 1 and 1000),
	CONSTRAINT "ledger_entries_actor_shape" CHECK (length("ledger_entries"."actor") between 1 and 200),
	CONSTRAINT "ledger_entries_times_in_milliseconds" CHECK ("ledger_entries"."occurred_at" = date_trunc('milliseconds', "ledger_entries"."occurred_at") and "ledger_entries"."recorded_at" = date_trunc('milliseconds', "ledger_entries"."recorded_at")),
	CONSTRAINT "ledger_entries_occurred_at_range" CHECK ("ledger_entries"."occurred_at" >= '1970-01-01T00:00:00Z' and "ledger_entries"."occurred_at" < '10000-01-01T00:00:00Z'),
	CONSTRAINT "ledger_entries_hashes_hex" CHECK ("ledger_entries"."hash" ~ '^[0-9a-f]{64}$' and "ledger_entries"."prev_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "ledger_entries_reverses_earlier" CHECK ("ledger_entries"."reverses_seq" is null or "ledger_entries"."reverses_seq" < "ledger_entries"."seq")
);
--> statement-breakpoint
CREATE TABLE "ledger_postings" (
	"entry_id" text NOT NULL,
	"idx" integer NOT NULL,
	"account" text NOT NULL,
	"commodity" text NOT NULL,
	"amount_sat" bigint,
	"amount" numeric,
	"price_amount" numeric,
	"price_commodity" text,
	"cost_amount" numeric,
	"cost_commodity" text,
	CONSTRAINT "ledger_postings_entry_id_idx_pk" PRIMARY KEY("entry_id","idx"),
	CONSTRAINT "ledger_postings_idx_range" CHECK ("ledger_postings"."idx" between 0 and 999),
	CONSTRAINT "ledger_postings_commodity_shape" CHECK ("ledger_postings"."commodity" ~ '^(BTC|[A-Z]{3})$'),
	CONSTRAINT "ledger_postings_amount_by_commodity" CHECK (("ledger_postings"."commodity" = 'BTC' and "ledger_postings"."amount_sat" is not null and "ledger_postings"."amount" is null)
        or ("ledger_postings"."commodity" <> 'BTC' and "ledger_postings"."amount_sat" is null and "ledger_postings"."amount" is not null)),
	CONSTRAINT "ledger_postings_btc_range" CHECK ("ledger_postings"."amount_sat" is null or abs("ledger_postings"."amount_sat") <= 2100000000000000),
	CONSTRAINT "ledger_postings_fiat_range" CHECK ("ledger_postings"."amount" is null or (scale("ledger_postings"."amount") <= 18 and abs("ledger_postings"."amount") < 1e20)),
	CONSTRAINT "ledger_postings_price_shape" CHECK (("ledger_postings"."price_amount" is null and "ledger_postings"."price_commodity" is null)
        or ("ledger_postings"."price_amount" > 0 and scale("ledger_postings"."price_amount") <= 18 and "ledger_postings"."price_amount" < 1e20 and "ledger_postings"."price_commodity" ~ '^(BTC|[A-Z]{3})$')),
	CONSTRAINT "ledger_postings_cost_shape" CHECK (("ledger_postings"."cost_amount" is null and "ledger_postings"."cost_commodity" is null)
        or ("ledger_postings"."cost_amount" is not null and scale("ledger_postings"."cost_amount") <= 18 and abs("ledger_postings"."cost_amount") < 1e20 and "ledger_postings"."cost_commodity" ~ '^(BTC|[A-Z]{3})$'))
);
--> statement-breakpoint
ALTER TABLE "ledger_balances" ADD CONSTRAINT "ledger_balances_account_ledger_accounts_name_fk" FOREIGN KEY ("account") REFERENCES "public"."ledger_accounts"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_account_ledger_accounts_name_fk" FOREIGN KEY ("account") REFERENCES "public"."ledger_accounts"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_source_once" ON "ledger_entries" USING btree ("kind","source_type","source_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_reversed_once" ON "ledger_entries" USING btree ("reverses_seq") WHERE "ledger_entries"."reverses_seq" is not null;--> statement-breakpoint
CREATE INDEX "ledger_entries_occurred_at_idx" ON "ledger_entries" USING btree ("occurred_at","seq");--> statement-breakpoint
CREATE INDEX "ledger_entries_recorded_at_idx" ON "ledger_entries" USING btree ("recorded_at");--> statement-breakpoint
CREATE INDEX "ledger_postings_account_idx" ON "ledger_postings" USING btree ("account","commodity");