ALTER TABLE "spend_outputs" ADD COLUMN "issued" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "spend_outputs" ADD COLUMN "live" boolean DEFAULT true NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "spend_outputs_one_live_issue" ON "spend_outputs" USING btree ("address") WHERE "spend_outputs"."issued" and "spend_outputs"."live";--> statement-breakpoint
CREATE INDEX "spend_outputs_reusable_idx" ON "spend_outputs" USING btree ("dest_policy_id","kind") WHERE "spend_outputs"."issued" and not "spend_outputs"."live";