// Production reports: energy cost posted to the ledger in the same transaction, tariff changes
// inside a period, corrections by reversal, and refusals that write nothing.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { getBalance, readEntries } from '../../../src/ledger/service.js';
import { dailyProduction, dailyProductionFromReports } from '../../../src/production/aggregate.js';
import { recordProduction } from '../../../src/production/reports.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { expectOk, report, siteWithTariff } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await siteWithTariff(t);
});
afterAll(async () => t?.close());

const expense = async () => (await getBalance(t.ctx(), 'Expenses:Energy:hydro-1', 'BYN')).toString();
const liability = async () => (await getBalance(t.ctx(), 'Liabilities:Energy:grodnoenergo', 'BYN')).toString();
const activeCount = async () =>
  Number(
    rowsOf<{ n: bigint }>(
      await t.database.db.execute(sql`select count(*) as n from production_reports where superseded_by is null`),
    )[0]!.n,
  );

describe('production reports', () => {
  it('posts Dr Expenses:Energy:<site> / Cr Liabilities:Energy:<supplier> in the tariff currency', async () => {
    // 2.5 kWh at 0.10 BYN = 0.25 BYN
    const res = await expectOk(t.request('POST', '/v1/production', { body: { reports: [report()] } }));
    expect(res.items[0]).toMatchObject({
      outcome: 'created',
      energy_cost: '0.25',
      energy_currency: 'BYN',
      hashrate_ths: '100',
    });
    expect(await expense()).toBe('0.25');
    expect(await liability()).toBe('-0.25');
    const entries = await readEntries(t.ctx(), { sourceType: 'production_report', sourceId: res.items[0].id });
    expect(entries).toHaveLength(1);
    expect(entries[0]!.occurredAt.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('the same report again changes nothing', async () => {
    const res = await expectOk(t.request('POST', '/v1/production', { body: { reports: [report()] } }));
    expect(res.items[0].outcome).toBe('unchanged');
    expect(await expense()).toBe('0.25');
    expect(await activeCount()).toBe(1);
  });

  it('a corrected report supersedes the old one and reverses its ledger entry', async () => {
    const res = await expectOk(
      t.request('POST', '/v1/production', { body: { reports: [report({ energy_kwh: '3', hashrate_ths: '110' })] } }),
    );
    const corrected = res.items[0];
    expect(corrected).toMatchObject({
      outcome: 'corrected',
      energy_cost: '0.3',
      replaces: expect.stringMatching(/^prd_/),
    });
    expect(await expense()).toBe('0.3'); // 0.25 - 0.25 + 0.30
    const all = await expectOk(
      t.request('GET', '/v1/production?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&include_superseded=true', {
        key: t.keys.auditor,
      }),
    );
    expect(all.items).toHaveLength(2);
    const first = await expectOk(
      t.request(
        'GET',
        '/v1/production?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&include_superseded=true&limit=1',
      ),
    );
    expect(first.items).toHaveLength(1);
    const second = await expectOk(
      t.request(
        'GET',
        `/v1/production?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&include_superseded=true&limit=1&cursor=${first.next_cursor}`,
      ),
    );
    expect(second.items.map((r: any) => r.id)).not.toContain(first.items[0].id);
    expect(second.next_cursor).toBeNull();
    const old = all.items.find((r: any) => r.id === corrected.replaces);
    expect(old.superseded_by).toBe(corrected.id);
    expect(old.energy_kwh).toBe('2.5'); // the original is kept as it was
    const reversal = await readEntries(t.ctx(), { kind: 'production.energy.reversal' });
    expect(reversal).toHaveLength(1);
    expect(reversal[0]!.occurredAt.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(await activeCount()).toBe(1);
  });

  it('hand-worked: a tariff change inside a day report splits the cost', async () => {
    // site 2: 0.10 BYN until 06:00, then 0.25 BYN. 2,400 kWh over 24 h: 600 kWh * 0.10 + 1,800 kWh * 0.25 = 510.00 BYN
    await expectOk(
      t.request('POST', '/v1/sites', {
        body: {
          id: 'nuke-1',
          name: 'Nuclear night',
          region: 'Ostrovets',
          energy_source: 'nuclear',
          pool: { kind: 'pool', scheme: 'pps+', fee_rate: '0.04' },
          energy_supplier: 'belaes',
        },
      }),
      201,
    );
    await expectOk(
      t.request('POST', '/v1/sites/nuke-1/tariffs', {
        body: {
          effective_from: '2026-01-01T00:00:00Z',
          effective_to: '2026-03-05T06:00:00Z',
          price_per_kwh: '0.10',
          currency: 'BYN',
        },
      }),
      201,
    );
    await expectOk(
      t.request('POST', '/v1/sites/nuke-1/tariffs', {
        body: { effective_from: '2026-03-05T06:00:00Z', price_per_kwh: '0.25', currency: 'BYN' },
      }),
      201,
    );
    const res = await expectOk(
      t.request('POST', '/v1/production', {
        body: {
          reports: [
            report({
              site: 'nuke-1',
              period_start: '2026-03-05T00:00:00Z',
              period_end: '2026-03-06T00:00:00Z',
              energy_kwh: '2400',
            }),
          ],
        },
      }),
    );
    expect(res.items[0].energy_cost).toBe('510');
    expect(res.items[0].cost_breakdown.map((s: any) => [s.energy_kwh, s.price_per_kwh, s.cost])).toEqual([
      ['600', '0.1', '60'],
      ['1800', '0.25', '450'],
    ]);
    expect((await getBalance(t.ctx(), 'Expenses:Energy:nuke-1', 'BYN')).toString()).toBe('510');
  });

  it('refuses bad reports naming reports.<i>.<field>; a bad batch writes nothing', async () => {
    const before = await expense();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        report({ site: 'nowhere', period_start: '2026-03-02T00:00:00Z', period_end: '2026-03-02T01:00:00Z' }),
        'reports.1.site',
        /unknown site/,
      ],
      [
        report({ period_start: '2026-03-02T12:00:00Z', period_end: '2026-03-03T12:00:00Z' }),
        'reports.1.period_end',
        /midnight/,
      ],
      [
        report({ period_start: '2026-03-02T02:00:00Z', period_end: '2026-03-02T01:00:00Z' }),
        'reports.1.period_end',
        /after period_start/,
      ],
      [
        report({ period_start: '2026-03-02T00:00:00Z', period_end: '2026-03-02T01:00:00Z', energy_kwh: '1.1234567' }),
        'reports.1.energy_kwh',
        /7 decimals/,
      ],
      [
        report({ period_start: '2026-03-02T00:00:00Z', period_end: '2026-03-02T01:00:00Z', hashrate_ths: '-1' }),
        'reports.1.hashrate_ths',
        /negative/,
      ],
      [
        report({ period_start: '2026-03-02T00:00:00Z', period_end: '2026-03-02T01:00:00Z', uptime: '1.5' }),
        'reports.1.uptime',
        /between 0 and 1/,
      ],
      [
        report({ period_start: '2025-12-31T00:00:00Z', period_end: '2025-12-31T01:00:00Z' }),
        'reports.1.period_start',
        /no energy tariff/,
      ],
      [
        report({ period_start: '2026-03-01T00:30:00Z', period_end: '2026-03-01T01:30:00Z' }),
        'reports.1.period_start',
        /overlaps/,
      ],
    ];
    for (const [bad, field, reason] of cases) {
      const good = report({ period_start: '2026-03-02T05:00:00Z', period_end: '2026-03-02T06:00:00Z' });
      const res = await t.request('POST', '/v1/production', { body: { reports: [good, bad] } });
      expect([409, 422], res.text).toContain(res.status);
      expect(res.json.errors, res.text).toContainEqual({ field, reason: expect.stringMatching(reason) });
    }
    expect(await expense()).toBe(before);
    expect(await activeCount()).toBe(2);
  });

  it('energy with zero hashrate is recorded (and costed); zero energy needs no tariff', async () => {
    const res = await expectOk(
      t.request('POST', '/v1/production', {
        body: {
          reports: [
            report({
              period_start: '2026-03-03T00:00:00Z',
              period_end: '2026-03-03T01:00:00Z',
              hashrate_ths: '0',
              energy_kwh: '1',
            }),
            report({
              period_start: '2025-06-01T00:00:00Z',
              period_end: '2025-06-01T01:00:00Z',
              hashrate_ths: '0',
              energy_kwh: '0',
            }),
          ],
        },
      }),
    );
    expect(res.items.map((r: any) => [r.energy_cost, r.ledger_entry_id === null])).toEqual([
      ['0.1', false],
      ['0', true],
    ]);
  });

  it('recordProduction (the webhook path) validates too and names the field', async () => {
    await expect(
      recordProduction({ ctx: t.ctx(), input: { report: { ...report(), hashrate_ths: 100 } } }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      options: { errors: [{ field: 'hashrate_ths' }] },
    });
    const { outcome } = await recordProduction({
      ctx: t.ctx(),
      input: { report: report({ period_start: '2026-03-04T00:00:00Z', period_end: '2026-03-04T01:00:00Z' }) },
    });
    expect(outcome).toBe('created');
  });

  it('the database refuses editing or deleting a report', async () => {
    await expect(t.database.db.execute(sql`update production_reports set energy_kwh = 0`)).rejects.toThrow();
    await expect(t.database.db.execute(sql`delete from production_reports`)).rejects.toThrow();
    await expect(
      t.database.db.execute(
        sql`update production_reports set superseded_by = 'x', superseded_at = now(), energy_cost = 0 where superseded_by is null`,
      ),
    ).rejects.toThrow();
  });

  it('the trigger-kept daily rollup equals the sums of the active reports after every correction', async () => {
    const q = { fromDay: '2025-01-01', toDay: '2027-01-01' };
    const rollup = (await dailyProduction(t.database.db, q))
      .map((d) => [
        d.siteId,
        d.day,
        d.currency,
        d.reports,
        d.workThs.toFixed(6),
        d.seconds.toFixed(0),
        d.energyKwh.toFixed(6),
        d.energyCost.toFixed(8),
      ])
      .sort((a, b) => String(a).localeCompare(String(b)));
    const raw = (await dailyProductionFromReports(t.database.db, q))
      .map((r) => [
        r.site_id,
        r.day,
        r.currency,
        Number(r.reports),
        Number(r.work).toFixed(6),
        r.seconds,
        Number(r.kwh).toFixed(6),
        Number(r.cost).toFixed(8),
      ])
      .sort((a, b) => String(a).localeCompare(String(b)));
    expect(rollup.length).toBeGreaterThan(3);
    expect(rollup).toEqual(raw);
    // the corrected hour of hydro-1 on 2026-03-01 counts once, at 3 kWh
    expect(rollup.find((r) => r[0] === 'hydro-1' && r[1] === '2026-03-01')).toEqual([
      'hydro-1',
      '2026-03-01',
      'BYN',
      1,
      '396000.000000',
      '3600',
      '3.000000',
      '0.30000000',
    ]);
  });

  it('refuses a period that is not on whole seconds', async () => {
    const res = await t.request('POST', '/v1/production', {
      body: { reports: [report({ period_start: '2026-03-09T00:00:00.5Z', period_end: '2026-03-09T01:00:00Z' })] },
    });
    expect(res.json.errors).toEqual([{ field: 'reports.0.period_start', reason: 'must be on a whole second' }]);
  });
});
