CREATE TABLE "spend_settlements" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"txid" text NOT NULL,
	"block_hash" text NOT NULL,
	"block_height" integer NOT NULL,
	"spend_id" text,
	"holder" text NOT NULL,
	"event_id" text NOT NULL,
	"inputs" jsonb NOT NULL,
	"vault_outputs" jsonb NOT NULL,
	"settled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"undone_at" timestamp with time zone,
	"undone_by" text,
	CONSTRAINT "spend_settlements_block_hash_hex" CHECK ("spend_settlements"."block_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "spend_settlements_undone_pair" CHECK (("spend_settlements"."undone_at" is null) = ("spend_settlements"."undone_by" is null))
);
--> statement-breakpoint
ALTER TABLE "spend_settlements" ADD CONSTRAINT "spend_settlements_spend_id_spends_id_fk" FOREIGN KEY ("spend_id") REFERENCES "public"."spends"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "spend_settlements_block_idx" ON "spend_settlements" USING btree ("block_hash");