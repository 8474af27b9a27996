CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"secret_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	CONSTRAINT "api_keys_secret_hash_unique" UNIQUE("secret_hash"),
	CONSTRAINT "api_keys_role_valid" CHECK ("api_keys"."role" in ('admin', 'officer', 'approver', 'auditor')),
	CONSTRAINT "api_keys_name_nonempty" CHECK (length("api_keys"."name") between 1 and 200)
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_key_id" text,
	"actor_role" text NOT NULL,
	"action" text NOT NULL,
	"method" text,
	"route" text,
	"target" text,
	"request_id" text,
	"outcome" text NOT NULL,
	"status" integer,
	"details" jsonb,
	CONSTRAINT "audit_log_outcome_valid" CHECK ("audit_log"."outcome" in ('ok', 'denied', 'rejected', 'error'))
);
--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");