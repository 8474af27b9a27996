import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { postEntries } from '../../../src/ledger/service.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { onPostgres } from '../../support/db.js';

// COPY, and so a connection of the export's own, exists only on a PostgreSQL server.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  if (!onPostgres) return;
  for (let batch = 0; batch < 3; batch++) {
    await postEntries({
      ctx: t.ctx(),
      input: Array.from({ length: 1000 }, (_, i) => ({
        kind: 'payout.received',
        description: `Payout ${batch}-${i}, with a comma`,
        occurredAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i)),
        source: { type: 'payout', id: `p${batch}_${i}` },
        postings: [
          { account: 'Assets:Bitcoin:vault-a:Unconfirmed', commodity: 'BTC', amount: 100_000n + BigInt(i) },
          { account: 'Income:Mining:hydro-1', commodity: 'BTC', amount: -100_000n - BigInt(i) },
        ],
      })),
    });
  }
});
afterAll(async () => t.close());

async function exportConnections(): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await t.database.db.execute(sql`
    select count(*)::int as n from pg_stat_activity where application_name = 'reserve-export' and datname = current_database()`),
  );
  return Number(row!.n);
}

it.runIf(onPostgres)("a client that leaves mid-export closes the export's own connection, every time", async () => {
  for (let round = 0; round < 3; round++) {
    for (const format of ['csv', 'jsonl'] as const) {
      const res = await t.app.request(`/v1/exports/ledger?format=${format}`, {
        headers: { authorization: `Bearer ${t.keys.auditor}` },
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      await reader.cancel();
    }
  }
  for (let i = 0; i < 50 && (await exportConnections()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await exportConnections()).toBe(0);
  // And a whole export afterwards still works.
  const whole = await t.request('GET', '/v1/exports/ledger?format=csv', { key: t.keys.auditor });
  expect(whole.status).toBe(200);
  expect(whole.text.trimEnd().split('\n')).toHaveLength(1 + 6000 + 1);
});
