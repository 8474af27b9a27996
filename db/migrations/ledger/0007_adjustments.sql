CREATE TABLE "ledger_adjustments" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"state" text NOT NULL,
	"reason" text NOT NULL,
	"reverses_seq" bigint,
	"postings" jsonb,
	"occurred_at" timestamp with time zone,
	"proposed_by" text NOT NULL,
	"proposed_by_name" text NOT NULL,
	"proposed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decided_by_name" text,
	"decided_at" timestamp with time zone,
	"entry_seq" bigint,
	CONSTRAINT "ledger_adjustments_id_shape" CHECK ("ledger_adjustments"."id" ~ '^adj_[0-9a-f]{20}$'),
	CONSTRAINT "ledger_adjustments_kind_shape" CHECK ("ledger_adjustments"."kind" in ('correction', 'energy.payment')),
	CONSTRAINT "ledger_adjustments_state_shape" CHECK ("ledger_adjustments"."state" in ('proposed', 'posted', 'rejected')),
	CONSTRAINT "ledger_adjustments_reason_shape" CHECK (length(btrim("ledger_adjustments"."reason")) between 1 and 500),
	CONSTRAINT "ledger_adjustments_one_body" CHECK (("ledger_adjustments"."reverses_seq" is null) <> ("ledger_adjustments"."postings" is null)),
	CONSTRAINT "ledger_adjustments_four_eyes" CHECK ("ledger_adjustments"."decided_by" is null or "ledger_adjustments"."decided_by" <> "ledger_adjustments"."proposed_by"),
	CONSTRAINT "ledger_adjustments_state_fields" CHECK (("ledger_adjustments"."state" = 'proposed' and "ledger_adjustments"."decided_by" is null and "ledger_adjustments"."decided_at" is null and "ledger_adjustments"."entry_seq" is null)
        or ("ledger_adjustments"."state" = 'posted' and "ledger_adjustments"."decided_by" is not null and "ledger_adjustments"."decided_at" is not null and "ledger_adjustments"."entry_seq" is not null)
        or ("ledger_adjustments"."state" = 'rejected' and "ledger_adjustments"."decided_by" is not null and "ledger_adjustments"."decided_at" is not null and "ledger_adjustments"."entry_seq" is null))
);
--> statement-breakpoint
ALTER TABLE "ledger_adjustments" ADD CONSTRAINT "ledger_adjustments_reverses_seq_ledger_entries_seq_fk" FOREIGN KEY ("reverses_seq") REFERENCES "public"."ledger_entries"("seq") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_adjustments" ADD CONSTRAINT "ledger_adjustments_entry_seq_ledger_entries_seq_fk" FOREIGN KEY ("entry_seq") REFERENCES "public"."ledger_entries"("seq") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_adjustments_entry_once" ON "ledger_adjustments" USING btree ("entry_seq") WHERE "ledger_adjustments"."entry_seq" is not null;--> statement-breakpoint
CREATE INDEX "ledger_adjustments_state_idx" ON "ledger_adjustments" USING btree ("state","id");