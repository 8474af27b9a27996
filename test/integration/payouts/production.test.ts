// production.reported through the signed fleet webhook: recorded by the production module in the
// webhook's own transaction, replayed from the idempotency record, refused naming `data.<field>`.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { onPostgres } from '../../support/db.js';
import { signEvent } from '../../support/webhook.js';
import { expectOk, report, siteWithTariff } from '../production/helpers.js';
import { createFleetApp, type FleetApp } from './fixture.js';

let t: FleetApp;
beforeAll(async () => {
  t = await createFleetApp();
  await siteWithTariff(t); // hydro-1, 0.10 BYN/kWh from 2026-01-01
});
afterAll(async () => t?.close());

const produced = (over: Record<string, unknown> = {}, at = '2026-03-02T00:00:05Z') => ({
  type: 'production.reported',
  timestamp: at,
  data: report(over),
});

async function footprint() {
  const count = async (table: string) =>
    Number(
      rowsOf<{ n: number }>(await t.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n,
    );
  const base = await t.footprint();
  return { ...base, audit_log: undefined, production_reports: await count('production_reports') };
}

describe('production.reported', () => {
  it('records the report and its energy cost, answering with the report', async () => {
    const r = await t.send(
      produced({ period_start: '2026-03-01T00:00:00Z', period_end: '2026-03-01T01:00:00Z', energy_kwh: '2.5' }),
    );
    expect(r.status, r.text).toBe(200);
    expect(r.json.outcome).toBe('created');
    // 2.5 kWh x 0.10 BYN = 0.25 BYN
    expect(r.json.report).toMatchObject({
      site: 'hydro-1',
      period_start: '2026-03-01T00:00:00.000Z',
      energy_kwh: '2.5',
      energy_cost: '0.25',
      energy_currency: 'BYN',
    });
    expect(r.json.report.ledger_entry_id).toMatch(/\S/);
    const listed = await expectOk(
      t.request('GET', '/v1/production?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z', { key: t.keys.auditor }),
    );
    expect(listed.items.map((i: any) => i.id)).toEqual([r.json.report.id]);
  });

  it('a replay answers the original result byte for byte and records nothing new', async () => {
    const first = await t.send(produced({ period_start: '2026-03-01T01:00:00Z', period_end: '2026-03-01T02:00:00Z' }));
    expect(first.status, first.text).toBe(200);
    const before = await footprint();
    const again = await t.send(undefined, { id: first.id, body: first.signed.body });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('webhook-replayed')).toBe('true');
    expect(await footprint()).toEqual(before);
    // The same id with another body is a conflict, and writes nothing.
    const changed = await t.send(
      produced({ period_start: '2026-03-01T01:00:00Z', period_end: '2026-03-01T02:00:00Z', energy_kwh: '9' }),
      { id: first.id },
    );
    expect(changed.status).toBe(409);
    expect(await footprint()).toEqual(before);
  });

  it('the same figures under another id are unchanged; other figures for the period are a correction', async () => {
    const period = { period_start: '2026-03-01T02:00:00Z', period_end: '2026-03-01T03:00:00Z' };
    const created = await t.send(produced(period));
    const same = await t.send(produced(period));
    expect([created.json.outcome, same.json.outcome]).toEqual(['created', 'unchanged']);
    expect(same.json.report.id).toBe(created.json.report.id);
    const corrected = await t.send(produced({ ...period, energy_kwh: '5' }));
    expect(corrected.status, corrected.text).toBe(200);
    expect(corrected.json).toMatchObject({
      outcome: 'corrected',
      report: { replaces: created.json.report.id, energy_cost: '0.5' },
    });
  });

  const refusals: [string, Record<string, unknown>, number, string, RegExp][] = [
    ['too many decimals', { energy_kwh: '1.0000001' }, 422, 'data.energy_kwh', /decimals/],
    ['negative energy', { energy_kwh: '-1' }, 422, 'data.energy_kwh', /./],
    ['a number, not a string', { hashrate_ths: 100 }, 422, 'data.hashrate_ths', /string/],
    [
      'end before start',
      { period_start: '2026-03-05T02:00:00Z', period_end: '2026-03-05T01:00:00Z' },
      422,
      'data.period_end',
      /after period_start/,
    ],
    ['uptime over 1', { uptime: '1.5' }, 422, 'data.uptime', /between 0 and 1/],
    ['unknown site', { site: 'nowhere' }, 422, 'data.site', /unknown site/],
    [
      'no tariff in force',
      { period_start: '2025-12-31T00:00:00Z', period_end: '2025-12-31T01:00:00Z' },
      422,
      'data.period_start',
      /no energy tariff/,
    ],
    [
      'overlapping another report',
      { period_start: '2026-03-01T00:30:00Z', period_end: '2026-03-01T00:45:00Z' },
      409,
      'data.period_start',
      /overlaps/,
    ],
  ];
  for (const [name, over, status, field, reason] of refusals) {
    it(`refuses ${name}, naming ${field}, and writes nothing`, async () => {
      const before = await footprint();
      const r = await t.send(produced(over));
      expect(r.status, r.text).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.json.errors.map((e: any) => e.field)).toContain(field);
      expect(r.json.detail).toMatch(reason);
      expect(await footprint()).toEqual(before);
    });
  }

  it('refuses an unknown field in data, naming data', async () => {
    const r = await t.send(produced({ temperature_c: '20' }));
    expect(r.status).toBe(422);
    expect(r.json.errors[0].field).toMatch(/^data/);
    expect(r.json.detail).toMatch(/temperature_c/);
  });

  // Concurrent deliveries of one webhook-id need two connections: PostgreSQL only (PGlite is one connection).
  it.runIf(onPostgres)('two concurrent deliveries of one id record one report and answer alike', async () => {
    const signed = signEvent(produced({ period_start: '2026-03-01T05:00:00Z', period_end: '2026-03-01T06:00:00Z' }));
    const before = await footprint();
    const [a, b] = await Promise.all([0, 1].map(() => t.send(undefined, { id: signed.id, body: signed.body })));
    expect([a!.status, b!.status]).toEqual([200, 200]);
    expect(a!.text).toBe(b!.text);
    expect((await footprint()).production_reports).toBe(before.production_reports + 1);
  });
});
