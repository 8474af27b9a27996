CREATE TABLE "chain_headers" (
	"hash" text PRIMARY KEY NOT NULL,
	"height" integer NOT NULL,
	"prev_hash" text NOT NULL,
	"header_hex" text NOT NULL,
	"time" bigint NOT NULL,
	"bits" bigint NOT NULL,
	"chainwork" numeric(80, 0) NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chain_headers_hash_hex" CHECK ("chain_headers"."hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "chain_headers_header_hex" CHECK ("chain_headers"."header_hex" ~ '^[0-9a-f]{160}$'),
	CONSTRAINT "chain_headers_height_range" CHECK ("chain_headers"."height" >= 0),
	CONSTRAINT "chain_headers_chainwork_positive" CHECK ("chain_headers"."chainwork" > 0)
);
--> statement-breakpoint
CREATE INDEX "chain_headers_chainwork_idx" ON "chain_headers" USING btree ("chainwork");--> statement-breakpoint
CREATE INDEX "chain_headers_prev_hash_idx" ON "chain_headers" USING btree ("prev_hash");