// Sites, tariffs, rates, prices and network days: strict validation, and rules the database keeps.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { createTestDatabase, onPostgres } from '../../support/db.js';
import { SITE, expectOk } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await expectOk(t.request('POST', '/v1/sites', { body: SITE }), 201);
});
afterAll(async () => t?.close());

const fieldsOf = (res: { json: any }) => (res.json.errors ?? []).map((e: any) => e.field);

describe('sites', () => {
  it('creates and reads a site; the same id again is a 409', async () => {
    const site = await expectOk(t.request('GET', '/v1/sites/hydro-1', { key: t.keys.auditor }));
    expect(site).toMatchObject({
      id: 'hydro-1',
      pool: { kind: 'pool', scheme: 'fpps', fee_rate: '0.02' },
      energy_supplier: 'grodnoenergo',
    });
    const again = await t.request('POST', '/v1/sites', { body: SITE });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses bad sites naming each field, writing nothing', async () => {
    const bad = await t.request('POST', '/v1/sites', {
      body: {
        ...SITE,
        id: 'bad id!',
        energy_source: 'coal',
        pool: { kind: 'pool', scheme: 'fpps', fee_rate: '1.5' },
        energy_supplier: 'x:y',
      },
    });
    expect(bad.status).toBe(422);
    expect(fieldsOf(bad)).toEqual(expect.arrayContaining(['id', 'energy_source', 'pool.fee_rate', 'energy_supplier']));
    const solo = await t.request('POST', '/v1/sites', {
      body: { ...SITE, id: 'solo-x', pool: { kind: 'solo', fee_rate: '0.01' } },
    });
    expect(solo.status).toBe(422);
    const list = await expectOk(t.request('GET', '/v1/sites'));
    expect(list.items.map((s: any) => s.id)).toEqual(['hydro-1']);
  });

  it('only an admin creates a site', async () => {
    expect((await t.request('POST', '/v1/sites', { key: t.keys.officer, body: { ...SITE, id: 'x1' } })).status).toBe(
      403,
    );
    expect((await t.request('POST', '/v1/sites', { key: null, body: { ...SITE, id: 'x1' } })).status).toBe(401);
  });
});

describe('tariffs', () => {
  const path = '/v1/sites/hydro-1/tariffs';
  it('accepts touching periods and refuses overlapping ones (409)', async () => {
    const jan = await expectOk(
      t.request('POST', path, {
        body: {
          effective_from: '2026-01-01T00:00:00Z',
          effective_to: '2026-02-01T00:00:00Z',
          price_per_kwh: '0.1000',
          currency: 'BYN',
        },
      }),
      201,
    );
    expect(jan.price_per_kwh).toBe('0.1');
    await expectOk(
      t.request('POST', path, {
        body: { effective_from: '2026-02-01T00:00:00Z', price_per_kwh: '0.12', currency: 'BYN' },
      }),
      201,
    );
    const overlap = await t.request('POST', path, {
      body: {
        effective_from: '2026-01-15T00:00:00Z',
        effective_to: '2026-01-20T00:00:00Z',
        price_per_kwh: '0.2',
        currency: 'BYN',
      },
    });
    expect(overlap.status).toBe(409);
    expect(overlap.json.detail).toMatch(/overlap/);
    const later = await t.request('POST', path, {
      body: { effective_from: '2027-01-01T00:00:00Z', price_per_kwh: '0.2', currency: 'BYN' },
    });
    expect(later.status).toBe(409); // the February tariff is open-ended
    expect((await expectOk(t.request('GET', path))).items).toHaveLength(2);
  });

  it('closing the open tariff makes room for the next one', async () => {
    const items = (await expectOk(t.request('GET', path))).items;
    const open = items.find((i: any) => i.effective_to === null);
    await expectOk(t.request('POST', `${path}/${open.id}/close`, { body: { effective_to: '2027-01-01T00:00:00Z' } }));
    await expectOk(
      t.request('POST', path, {
        body: { effective_from: '2027-01-01T00:00:00Z', price_per_kwh: '0.2', currency: 'BYN' },
      }),
      201,
    );
    expect(
      (await t.request('POST', `${path}/${open.id}/close`, { body: { effective_to: '2026-06-01T00:00:00Z' } })).status,
    ).toBe(409);
  });

  it('validates prices like money', async () => {
    const cases: [unknown, string, string][] = [
      [{ price_per_kwh: '0.12345678901', currency: 'BYN' }, 'price_per_kwh', 'decimals'],
      [{ price_per_kwh: '-0.1', currency: 'BYN' }, 'price_per_kwh', 'negative'],
      [{ price_per_kwh: '0', currency: 'BYN' }, 'price_per_kwh', 'greater than zero'],
      [{ price_per_kwh: 0.1, currency: 'BYN' }, 'price_per_kwh', 'string'],
      [{ price_per_kwh: '0.1', currency: 'BTC' }, 'currency', 'ISO 4217'],
      [{ price_per_kwh: '0.1', currency: 'byn' }, 'currency', 'upper-case'],
    ];
    for (const [body, field, reason] of cases) {
      const res = await t.request('POST', path, {
        body: { effective_from: '2030-01-01T00:00:00Z', ...(body as object) },
      });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json.errors).toContainEqual({ field, reason: expect.stringMatching(reason) });
    }
    const reversed = await t.request('POST', path, {
      body: {
        effective_from: '2030-02-01T00:00:00Z',
        effective_to: '2030-01-01T00:00:00Z',
        price_per_kwh: '0.1',
        currency: 'BYN',
      },
    });
    expect(fieldsOf(reversed)).toEqual(['effective_to']);
    expect(
      (
        await t.request('POST', '/v1/sites/nope/tariffs', {
          body: { effective_from: '2030-01-01T00:00:00Z', price_per_kwh: '0.1', currency: 'BYN' },
        })
      ).status,
    ).toBe(404);
  });

  it('the database itself refuses an overlapping tariff, a delete and an edit', async () => {
    const insert =
      t.database.db.execute(sql`insert into energy_tariffs (id, site_id, effective_from, effective_to, price_per_kwh, currency)
      values ('trf_raw', 'hydro-1', '2026-01-10T00:00:00Z', '2026-01-11T00:00:00Z', 1, 'BYN')`);
    await expect(insert).rejects.toThrow();
    await expect(t.database.db.execute(sql`delete from energy_tariffs`)).rejects.toThrow();
    await expect(t.database.db.execute(sql`update energy_tariffs set price_per_kwh = 9`)).rejects.toThrow();
  });
});

describe('rates, prices and network days', () => {
  it('records FX rates and price marks; the same again is a no-op; another value is a 409', async () => {
    const rates = {
      rates: [{ base: 'BYN', quote: 'USD', rate: '0.30571', at: '2026-03-01T00:00:00Z', source: 'nbrb' }],
    };
    expect(await expectOk(t.request('POST', '/v1/rates', { body: rates }))).toEqual({ received: 1, inserted: 1 });
    expect(await expectOk(t.request('POST', '/v1/rates', { body: rates }))).toEqual({ received: 1, inserted: 0 });
    const changed = await t.request('POST', '/v1/rates', { body: { rates: [{ ...rates.rates[0], rate: '0.31' }] } });
    expect(changed.status).toBe(409);
    const prices = { prices: [{ currency: 'USD', price: '97250.12', at: '2026-03-01T00:00:00Z', source: 'desk' }] };
    expect(await expectOk(t.request('POST', '/v1/prices', { body: prices }))).toEqual({ received: 1, inserted: 1 });
    expect(
      (await t.request('POST', '/v1/prices', { body: { prices: [{ ...prices.prices[0], price: '97250.13' }] } }))
        .status,
    ).toBe(409);
  });

  it('refuses bad rates and prices naming the field, and writes nothing of a bad batch', async () => {
    const bad = await t.request('POST', '/v1/rates', {
      body: {
        rates: [
          { base: 'BYN', quote: 'EUR', rate: '0.28', at: '2026-03-02T00:00:00Z', source: 'nbrb' },
          { base: 'USD', quote: 'USD', rate: '1', at: '2026-03-02T00:00:00Z', source: 'x' },
        ],
      },
    });
    expect(bad.status).toBe(422);
    expect(fieldsOf(bad)).toEqual(['rates.1.quote']);
    const price9 = await t.request('POST', '/v1/prices', {
      body: { prices: [{ currency: 'USD', price: '1.123456789', at: '2026-03-02T00:00:00Z', source: 'x' }] },
    });
    expect(price9.json.errors).toEqual([{ field: 'prices.0.price', reason: expect.stringMatching(/9 decimals/) }]);
    const count = rowsOf<{ n: bigint }>(
      await t.database.db.execute(sql`select count(*) as n from fx_rates where quote = 'EUR'`),
    )[0]!.n;
    expect(Number(count)).toBe(0);
  });

  it('records network days; a changed day is a 409; the table is append-only', async () => {
    const day = {
      day: '2026-03-01',
      difficulty: '100000000000000',
      blocks: 144,
      avg_subsidy_sat: '312500000',
      avg_fees_sat: '10000000',
      source: 'node',
    };
    expect(await expectOk(t.request('POST', '/v1/network/daily', { body: { days: [day] } }))).toEqual({
      received: 1,
      inserted: 1,
    });
    expect(await expectOk(t.request('POST', '/v1/network/daily', { body: { days: [day] } }))).toEqual({
      received: 1,
      inserted: 0,
    });
    expect(
      (await t.request('POST', '/v1/network/daily', { body: { days: [{ ...day, difficulty: '1' }] } })).status,
    ).toBe(409);
    const bad = await t.request('POST', '/v1/network/daily', {
      body: { days: [{ ...day, day: '2026-02-30', avg_subsidy_sat: '3.125', difficulty: '-5' }] },
    });
    expect(bad.status, bad.text).toBe(422);
    expect(fieldsOf(bad)).toEqual(
      expect.arrayContaining(['days.0.day', 'days.0.avg_subsidy_sat', 'days.0.difficulty']),
    );
    await expect(t.database.db.execute(sql`update network_daily set blocks = 1`)).rejects.toThrow();
  });
});

// Two sessions adding overlapping tariffs at once: only the database can refuse the second.
// PGlite is a single connection, so this race exists only on a PostgreSQL server.
describe('concurrency', () => {
  it.runIf(onPostgres)('two concurrent overlapping tariffs: exactly one is stored', async () => {
    const db = await createTestDatabase({ poolSize: 4 });
    try {
      await db.db.execute(
        sql`insert into production_sites (id, name, region, energy_source, pool_kind, energy_supplier) values ('s', 's', 'r', 'hydro', 'solo', 'sup')`,
      );
      const attempt = (id: string) =>
        db.db.transaction(async (tx) => {
          await tx.execute(
            sql`insert into energy_tariffs (id, site_id, effective_from, price_per_kwh, currency) values (${id}, 's', '2026-01-01T00:00:00Z', 1, 'BYN')`,
          );
          await tx.execute(sql`select pg_sleep(0.2)`);
        });
      const results = await Promise.allSettled([attempt('a'), attempt('b'), attempt('c')]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const n = rowsOf<{ n: bigint }>(await db.db.execute(sql`select count(*) as n from energy_tariffs`))[0]!.n;
      expect(Number(n)).toBe(1);
    } finally {
      await db.close();
    }
  });
});

// Two deliveries of reports for one site at once (a webhook retry racing the batch route):
// the site-row lock and the overlap trigger must leave exactly one active report and one
// energy entry. Only a PostgreSQL server has concurrent sessions (PGlite is one connection).
describe('concurrent production reports', () => {
  it.runIf(onPostgres)(
    'the same period reported concurrently with different figures: one active report, expense equals it',
    async () => {
      const { recordProduction } = await import('../../../src/production/reports.js');
      const { getBalance } = await import('../../../src/ledger/service.js');
      await expectOk(t.request('POST', '/v1/sites', { body: { ...SITE, id: 'race-1' } }), 201);
      await expectOk(
        t.request('POST', '/v1/sites/race-1/tariffs', {
          body: { effective_from: '2026-01-01T00:00:00Z', price_per_kwh: '1', currency: 'BYN' },
        }),
        201,
      );
      const base = {
        site: 'race-1',
        period_start: '2026-05-01T00:00:00Z',
        period_end: '2026-05-01T01:00:00Z',
        hashrate_ths: '10',
        uptime: '1',
      };
      const results = await Promise.allSettled(
        ['1', '2', '3', '4'].map((kwh) =>
          recordProduction({ ctx: t.ctx(), input: { report: { ...base, energy_kwh: kwh } } }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      const active = rowsOf<{ energy_cost: string }>(
        await t.database.db.execute(
          sql`select energy_cost::text from production_reports where site_id = 'race-1' and superseded_by is null`,
        ),
      );
      expect(active).toHaveLength(1);
      expect((await getBalance(t.ctx(), 'Expenses:Energy:race-1', 'BYN')).toString()).toBe(
        String(Number(active[0]!.energy_cost)),
      );
    },
  );
});
