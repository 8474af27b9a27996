ALTER TABLE "utxos" ADD COLUMN "period_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "utxos" ADD COLUMN "period_end" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "utxos" ADD CONSTRAINT "utxos_period_pair" CHECK (("utxos"."period_start" is null) = ("utxos"."period_end" is null));--> statement-breakpoint
ALTER TABLE "utxos" ADD CONSTRAINT "utxos_period_span" CHECK ("utxos"."period_end" is null or ("utxos"."period_end" > "utxos"."period_start" and "utxos"."period_end" <= "utxos"."period_start" + interval '31 days'));