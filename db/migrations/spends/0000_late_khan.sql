CREATE TABLE "spend_approvals" (
	"spend_id" text NOT NULL,
	"key_id" text NOT NULL,
	"name" text NOT NULL,
	"decision" text NOT NULL,
	"digest" text NOT NULL,
	"comment" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "spend_approvals_spend_id_key_id_pk" PRIMARY KEY("spend_id","key_id"),
	CONSTRAINT "spend_approvals_decision" CHECK ("spend_approvals"."decision" in ('approve', 'reject'))
);
--> statement-breakpoint
CREATE TABLE "spend_inputs" (
	"spend_id" text NOT NULL,
	"n" integer NOT NULL,
	"txid" text NOT NULL,
	"vout" bigint NOT NULL,
	"amount_sat" bigint NOT NULL,
	"address" text NOT NULL,
	"chain" integer NOT NULL,
	"index" integer NOT NULL,
	"coinbase" boolean NOT NULL,
	"live" boolean DEFAULT true NOT NULL,
	CONSTRAINT "spend_inputs_spend_id_n_pk" PRIMARY KEY("spend_id","n")
);
--> statement-breakpoint
CREATE TABLE "spend_outputs" (
	"spend_id" text NOT NULL,
	"vout" integer NOT NULL,
	"address" text NOT NULL,
	"script_hex" text NOT NULL,
	"amount_sat" bigint NOT NULL,
	"label" text,
	"kind" text NOT NULL,
	"dest_policy_id" text,
	CONSTRAINT "spend_outputs_spend_id_vout_pk" PRIMARY KEY("spend_id","vout"),
	CONSTRAINT "spend_outputs_kind" CHECK ("spend_outputs"."kind" in ('external', 'vault', 'change')),
	CONSTRAINT "spend_outputs_vault_policy" CHECK (("spend_outputs"."kind" = 'external') = ("spend_outputs"."dest_policy_id" is null))
);
--> statement-breakpoint
CREATE TABLE "spend_uploads" (
	"spend_id" text NOT NULL,
	"sha256" text NOT NULL,
	"psbt_base64" text NOT NULL,
	"uploaded_by" text NOT NULL,
	"signatures" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "spend_uploads_spend_id_sha256_pk" PRIMARY KEY("spend_id","sha256")
);
--> statement-breakpoint
CREATE TABLE "spends" (
	"id" text PRIMARY KEY NOT NULL,
	"policy_id" text NOT NULL,
	"policy_version" integer NOT NULL,
	"state" text NOT NULL,
	"purpose" text NOT NULL,
	"account" text NOT NULL,
	"proposed_by" text NOT NULL,
	"proposed_by_name" text NOT NULL,
	"approvals_required" integer NOT NULL,
	"threshold" integer NOT NULL,
	"delay_hours" integer NOT NULL,
	"fee_rate_msat_vb" bigint NOT NULL,
	"fee_sat" bigint NOT NULL,
	"vsize" integer NOT NULL,
	"amount_sat" bigint NOT NULL,
	"change_sat" bigint NOT NULL,
	"locktime" integer NOT NULL,
	"includes_coinbase" boolean NOT NULL,
	"digest" text NOT NULL,
	"unsigned_tx_hex" text NOT NULL,
	"unsigned_txid" text NOT NULL,
	"txid" text NOT NULL,
	"psbt_base64" text NOT NULL,
	"final_tx_hex" text,
	"final_vsize" integer,
	"block_hash" text,
	"block_height" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"approved_at" timestamp with time zone,
	"signed_at" timestamp with time zone,
	"broadcast_at" timestamp with time zone,
	"confirmed_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "spends_id_format" CHECK ("spends"."id" ~ '^spd_[0-9a-f]{20}$'),
	CONSTRAINT "spends_state_valid" CHECK ("spends"."state" in ('proposed', 'approved', 'signed', 'broadcast', 'confirmed', 'rejected', 'cancelled', 'expired', 'invalidated')),
	CONSTRAINT "spends_amounts" CHECK ("spends"."amount_sat" > 0 and "spends"."fee_sat" > 0 and "spends"."change_sat" >= 0),
	CONSTRAINT "spends_approvals" CHECK ("spends"."approvals_required" >= 1 and "spends"."delay_hours" >= 0),
	CONSTRAINT "spends_signed_has_tx" CHECK ("spends"."state" not in ('signed', 'broadcast', 'confirmed') or "spends"."final_tx_hex" is not null),
	CONSTRAINT "spends_confirmed_has_block" CHECK ("spends"."state" <> 'confirmed' or "spends"."block_hash" is not null)
);
--> statement-breakpoint
ALTER TABLE "spend_approvals" ADD CONSTRAINT "spend_approvals_spend_id_spends_id_fk" FOREIGN KEY ("spend_id") REFERENCES "public"."spends"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spend_inputs" ADD CONSTRAINT "spend_inputs_spend_id_spends_id_fk" FOREIGN KEY ("spend_id") REFERENCES "public"."spends"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spend_outputs" ADD CONSTRAINT "spend_outputs_spend_id_spends_id_fk" FOREIGN KEY ("spend_id") REFERENCES "public"."spends"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spend_uploads" ADD CONSTRAINT "spend_uploads_spend_id_spends_id_fk" FOREIGN KEY ("spend_id") REFERENCES "public"."spends"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "spend_inputs_one_live_spend" ON "spend_inputs" USING btree ("txid","vout") WHERE "spend_inputs"."live";--> statement-breakpoint
CREATE INDEX "spend_inputs_outpoint_idx" ON "spend_inputs" USING btree ("txid","vout");--> statement-breakpoint
CREATE INDEX "spends_policy_created_idx" ON "spends" USING btree ("policy_id","created_at");--> statement-breakpoint
CREATE INDEX "spends_state_idx" ON "spends" USING btree ("state","created_at","id");--> statement-breakpoint
CREATE INDEX "spends_txid_idx" ON "spends" USING btree ("txid");