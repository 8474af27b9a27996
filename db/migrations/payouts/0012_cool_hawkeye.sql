CREATE TABLE "utxo_transactions" (
	"txid" text PRIMARY KEY NOT NULL,
	"raw_tx_hex" text NOT NULL,
	"kept_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "utxo_transactions_txid_hex" CHECK ("utxo_transactions"."txid" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "utxo_transactions_raw_hex" CHECK ("utxo_transactions"."raw_tx_hex" ~ '^([0-9a-f]{2})+$')
);
