import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf } from '../../../db/client.js';
import { createApp } from '../../../src/app.js';
import { silentLog } from '../../support/app.js';
import { onPostgres } from '../../support/db.js';
import { createSpendsApp, EXTERNAL, type SpendsApp } from './fixture.js';

// Proposals racing for the same coins. On PostgreSQL the requests run on separate connections, and the second
// part runs them through two service instances (two apps, two connection pools) on one database; on PGlite
// (one connection) the same requests are serialised by the driver and the assertions are the same.

let t: SpendsApp;
beforeAll(async () => {
  t = await createSpendsApp();
  await t.mine(1);
  await t.fund(
    'regtest-five',
    Array.from({ length: 25 }, () => 50_000_000n),
  );
});
afterAll(async () => t?.close());

const body = (extra: Record<string, unknown> = {}) => ({
  policy_id: 'regtest-five',
  outputs: [{ address: EXTERNAL, amount_btc: '0.25' }],
  fee_rate_sat_vb: 3,
  purpose: 'race',
  ...extra,
});

async function noCoinInTwoLiveSpends() {
  const doubled = rowsOf<{ n: number }>(
    await t.database.db.execute(
      sql`select count(*)::int as n from (select txid, vout from spend_inputs where live group by txid, vout having count(*) > 1) d`,
    ),
  );
  expect(Number(doubled[0]!.n)).toBe(0);
  const mismatch = rowsOf<{ n: number }>(
    await t.database.db.execute(
      sql`select count(*)::int as n from spend_inputs i join utxos u using (txid, vout) where i.live and u.status <> 'locked'`,
    ),
  );
  expect(Number(mismatch[0]!.n)).toBe(0);
}

describe('20 proposals racing', () => {
  it('by coin selection: every one gets coins of its own', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => t.request('POST', '/v1/spends', { key: t.keys.officer, body: body() })),
    );
    for (const a of answers) expect([201, 409], a.text).toContain(a.status);
    const won = answers.filter((a) => a.status === 201);
    const coins = won.flatMap((a) => a.json.inputs.map((i: { txid: string; vout: number }) => `${i.txid}:${i.vout}`));
    expect(new Set(coins).size).toBe(coins.length);
    expect(won.length).toBe(20);
    await noCoinInTwoLiveSpends();
  });

  it('for one named coin, through two service instances on one database: one wins, the others are 409', async () => {
    const free = rowsOf<{ txid: string; vout: string }>(
      await t.database.db.execute(
        sql`select txid, vout::text from utxos where policy_id = 'regtest-five' and status = 'available' order by txid limit 1`,
      ),
    )[0]!;
    const second = onPostgres ? await openDatabase({ databaseUrl: t.database.url!, poolSize: 10 }) : t.database;
    const other = createApp({ database: second, config: { BODY_LIMIT_BYTES: 1024 * 1024 }, log: silentLog }).app;
    try {
      const inputs = [{ txid: free.txid, vout: Number(free.vout) }];
      const send = (i: number) => {
        const init = {
          method: 'POST',
          headers: { authorization: `Bearer ${t.keys.officer}`, 'content-type': 'application/json' },
          body: JSON.stringify(body({ inputs })),
        };
        return Promise.resolve((i % 2 === 0 ? t.app : other).request('/v1/spends', init)).then(async (r: Response) => ({
          status: r.status,
          json: await r.json(),
        }));
      };
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(i)));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
      await noCoinInTwoLiveSpends();
    } finally {
      if (second !== t.database) await second.close();
    }
  });
});
