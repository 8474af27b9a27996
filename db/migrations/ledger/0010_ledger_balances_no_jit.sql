-- 0009's per-statement balance upsert without JIT. Its LATERAL probe of ledger_postings is
-- estimated from the table's statistics (hundreds of postings per entry before an ANALYZE,
-- two in truth), so a batch of 100 entries crossed jit_above_cost and spent about 8 ms
-- compiling a plan that runs in well under one: 0009 made large batches slower than the
-- per-entry trigger it replaced. With jit off for this function, a 100-entry batch costs about
-- 12% less backend CPU than before 0009 (14.3-15.0 ms against 16.2-17.0 ms, load 15).
ALTER FUNCTION ledger_entries_apply_balances() SET jit = off;
