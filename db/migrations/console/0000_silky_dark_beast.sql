CREATE TABLE "console_sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"address" text,
	CONSTRAINT "console_sessions_hash_hex" CHECK ("console_sessions"."id_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "console_sessions_expiry_after_start" CHECK ("console_sessions"."expires_at" > "console_sessions"."created_at")
);
--> statement-breakpoint
CREATE TABLE "console_sign_in_failures" (
	"address" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "console_sessions" ADD CONSTRAINT "console_sessions_key_id_api_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "console_sessions_key_idx" ON "console_sessions" USING btree ("key_id");--> statement-breakpoint
CREATE INDEX "console_sign_in_failures_address_at_idx" ON "console_sign_in_failures" USING btree ("address","at");