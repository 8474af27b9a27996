CREATE TABLE "transparency_checkpoints" (
	"size" bigint PRIMARY KEY NOT NULL,
	"root" "bytea" NOT NULL,
	"body" text NOT NULL,
	"signature" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transparency_checkpoints_size_positive" CHECK ("transparency_checkpoints"."size" > 0),
	CONSTRAINT "transparency_checkpoints_root_size" CHECK (octet_length("transparency_checkpoints"."root") = 32)
);
--> statement-breakpoint
CREATE TABLE "transparency_cosignatures" (
	"checkpoint_size" bigint NOT NULL,
	"witness" text NOT NULL,
	"signature" text NOT NULL,
	"cosigned_at" bigint NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transparency_cosignatures_checkpoint_size_witness_pk" PRIMARY KEY("checkpoint_size","witness")
);
--> statement-breakpoint
CREATE TABLE "transparency_head" (
	"id" smallint PRIMARY KEY NOT NULL,
	"size" bigint NOT NULL,
	"log_key" text,
	CONSTRAINT "transparency_head_single_row" CHECK ("transparency_head"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "transparency_nodes" (
	"level" smallint NOT NULL,
	"idx" bigint NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "transparency_nodes_level_idx_pk" PRIMARY KEY("level","idx"),
	CONSTRAINT "transparency_nodes_level_range" CHECK ("transparency_nodes"."level" between 0 and 62),
	CONSTRAINT "transparency_nodes_idx_range" CHECK ("transparency_nodes"."idx" >= 0),
	CONSTRAINT "transparency_nodes_hash_size" CHECK (octet_length("transparency_nodes"."hash") = 32)
);
--> statement-breakpoint
ALTER TABLE "transparency_cosignatures" ADD CONSTRAINT "transparency_cosignatures_checkpoint_size_transparency_checkpoints_size_fk" FOREIGN KEY ("checkpoint_size") REFERENCES "public"."transparency_checkpoints"("size") ON DELETE no action ON UPDATE no action;