CREATE TABLE "alerts" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"message" text NOT NULL,
	"details" jsonb NOT NULL,
	"source" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alerts_id_unique" UNIQUE("id"),
	CONSTRAINT "alerts_severity_valid" CHECK ("alerts"."severity" in ('info', 'warning', 'critical'))
);
--> statement-breakpoint
CREATE TABLE "chain_blocks" (
	"hash" text PRIMARY KEY NOT NULL,
	"height" integer NOT NULL,
	"prev_hash" text,
	"connected" boolean NOT NULL,
	"ever_disconnected" boolean DEFAULT false NOT NULL,
	"state_at" timestamp with time zone NOT NULL,
	"state_event_id" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chain_blocks_hash_hex" CHECK ("chain_blocks"."hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "chain_blocks_prev_hash_hex" CHECK ("chain_blocks"."prev_hash" is null or "chain_blocks"."prev_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "chain_blocks_height_range" CHECK ("chain_blocks"."height" >= 0)
);
--> statement-breakpoint
CREATE TABLE "utxo_history" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"txid" text NOT NULL,
	"vout" bigint NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"reason" text NOT NULL,
	"event_id" text NOT NULL,
	"ledger_entry_ids" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "utxos" (
	"txid" text NOT NULL,
	"vout" bigint NOT NULL,
	"policy_id" text NOT NULL,
	"network" text NOT NULL,
	"address" text NOT NULL,
	"amount_sat" bigint NOT NULL,
	"coinbase" boolean NOT NULL,
	"site_id" text NOT NULL,
	"pool" text,
	"block_height" integer,
	"block_hash" text,
	"status" text NOT NULL,
	"receipt_entry_id" text,
	"receipt_status" text,
	"raw_tx_proven" boolean DEFAULT false NOT NULL,
	"event_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "utxos_txid_vout_pk" PRIMARY KEY("txid","vout"),
	CONSTRAINT "utxos_txid_hex" CHECK ("utxos"."txid" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "utxos_vout_range" CHECK ("utxos"."vout" between 0 and 4294967295),
	CONSTRAINT "utxos_amount_range" CHECK ("utxos"."amount_sat" > 0 and "utxos"."amount_sat" <= 2100000000000000),
	CONSTRAINT "utxos_status_valid" CHECK ("utxos"."status" in ('unconfirmed', 'immature', 'available', 'orphaned')),
	CONSTRAINT "utxos_block_pair" CHECK (("utxos"."block_hash" is null) = ("utxos"."block_height" is null)),
	CONSTRAINT "utxos_block_hash_hex" CHECK ("utxos"."block_hash" is null or "utxos"."block_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "utxos_immature_is_coinbase" CHECK ("utxos"."status" <> 'immature' or "utxos"."coinbase")
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"id" text PRIMARY KEY NOT NULL,
	"body_sha256" text NOT NULL,
	"type" text NOT NULL,
	"status" integer NOT NULL,
	"response" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_events_id_shape" CHECK (length("webhook_events"."id") between 1 and 256),
	CONSTRAINT "webhook_events_body_sha256_hex" CHECK ("webhook_events"."body_sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE INDEX "alerts_kind_idx" ON "alerts" USING btree ("kind","seq");--> statement-breakpoint
CREATE INDEX "chain_blocks_connected_height_idx" ON "chain_blocks" USING btree ("connected","height");--> statement-breakpoint
CREATE INDEX "utxo_history_outpoint_idx" ON "utxo_history" USING btree ("txid","vout","seq");--> statement-breakpoint
CREATE INDEX "utxos_status_idx" ON "utxos" USING btree ("status","txid","vout");--> statement-breakpoint
CREATE INDEX "utxos_policy_idx" ON "utxos" USING btree ("policy_id","txid","vout");--> statement-breakpoint
CREATE INDEX "utxos_site_idx" ON "utxos" USING btree ("site_id","txid","vout");--> statement-breakpoint
CREATE INDEX "utxos_block_hash_idx" ON "utxos" USING btree ("block_hash");--> statement-breakpoint
CREATE INDEX "utxos_block_height_idx" ON "utxos" USING btree ("block_height");