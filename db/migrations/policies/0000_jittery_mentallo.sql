CREATE TABLE "policies" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"network" text NOT NULL,
	"script" text NOT NULL,
	"threshold" integer NOT NULL,
	"signer_count" integer NOT NULL,
	"tier" text NOT NULL,
	"gap_limit" integer NOT NULL,
	"keyset_hash" text NOT NULL,
	"content_hash" text NOT NULL,
	"version" integer NOT NULL,
	"document" jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policies_id_slug" CHECK ("policies"."id" ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
	CONSTRAINT "policies_network_valid" CHECK ("policies"."network" in ('bitcoin', 'testnet', 'signet', 'regtest')),
	CONSTRAINT "policies_script_valid" CHECK ("policies"."script" in ('p2wsh', 'p2sh-p2wsh')),
	CONSTRAINT "policies_tier_valid" CHECK ("policies"."tier" in ('cold', 'warm', 'hot')),
	CONSTRAINT "policies_m_of_n" CHECK ("policies"."threshold" between 1 and "policies"."signer_count" and "policies"."signer_count" <= 20),
	CONSTRAINT "policies_gap_limit" CHECK ("policies"."gap_limit" between 1 and 1000),
	CONSTRAINT "policies_version_positive" CHECK ("policies"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "policy_addresses" (
	"address" text PRIMARY KEY NOT NULL,
	"policy_id" text NOT NULL,
	"chain" smallint NOT NULL,
	"index" integer NOT NULL,
	"script_pub_key" text NOT NULL,
	"witness_script" text NOT NULL,
	"state" text NOT NULL,
	"label" text,
	"site" text,
	"pool" text,
	"purpose" text,
	"issued_at" timestamp with time zone,
	"issued_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_addresses_position" UNIQUE("policy_id","chain","index"),
	CONSTRAINT "policy_addresses_label" UNIQUE("policy_id","label"),
	CONSTRAINT "policy_addresses_chain_valid" CHECK ("policy_addresses"."chain" in (0, 1)),
	CONSTRAINT "policy_addresses_index_range" CHECK ("policy_addresses"."index" between 0 and 2147483647),
	CONSTRAINT "policy_addresses_state_valid" CHECK ("policy_addresses"."state" in ('issued', 'derived', 'used')),
	CONSTRAINT "policy_addresses_issued_has_label" CHECK ("policy_addresses"."state" <> 'issued' or "policy_addresses"."label" is not null),
	CONSTRAINT "policy_addresses_hex" CHECK ("policy_addresses"."script_pub_key" ~ '^([0-9a-f]{2})+$' and "policy_addresses"."witness_script" ~ '^([0-9a-f]{2})+$')
);
--> statement-breakpoint
CREATE TABLE "policy_versions" (
	"policy_id" text NOT NULL,
	"version" integer NOT NULL,
	"keyset_hash" text NOT NULL,
	"content_hash" text NOT NULL,
	"document" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_versions_policy_id_version_pk" PRIMARY KEY("policy_id","version")
);
--> statement-breakpoint
ALTER TABLE "policy_addresses" ADD CONSTRAINT "policy_addresses_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_versions" ADD CONSTRAINT "policy_versions_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "policy_addresses_policy_state_idx" ON "policy_addresses" USING btree ("policy_id","chain","state");