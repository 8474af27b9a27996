-- A spend's PSBT (about 125 KB of base64 for 200 inputs) and its unsigned transaction are stored out of line
-- without compression: compressing the PSBT cost some 2.5 ms of each proposal's INSERT (measured) to save
-- about 57 KB on disk per spend, and every read of it (GET /v1/spends/:id/psbt) decompressed it again.
-- Storage only: the values, their checks and their guards are unchanged.
ALTER TABLE "spends" ALTER COLUMN "psbt_base64" SET STORAGE EXTERNAL;
--> statement-breakpoint
ALTER TABLE "spends" ALTER COLUMN "unsigned_tx_hex" SET STORAGE EXTERNAL;
