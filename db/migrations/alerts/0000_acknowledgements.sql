CREATE TABLE "alert_acknowledgements" (
	"alert_id" text PRIMARY KEY NOT NULL,
	"note" text NOT NULL,
	"key_id" text,
	"actor_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_acknowledgements_note_size" CHECK (char_length("alert_acknowledgements"."note") between 1 and 2000)
);
--> statement-breakpoint
ALTER TABLE "alert_acknowledgements" ADD CONSTRAINT "alert_acknowledgements_alert_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE no action ON UPDATE no action;