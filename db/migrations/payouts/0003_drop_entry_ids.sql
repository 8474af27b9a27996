ALTER TABLE "utxo_history" DROP COLUMN "ledger_entry_ids";--> statement-breakpoint
ALTER TABLE "utxos" DROP COLUMN "receipt_entry_id";