// What the surplus earned, and the reconciliation as Reserve knew it at a time (known_at): a
// hand-worked March for three sites (an export price in BYN, one in USD, none), with curtailed
// hours, marks before and after the payouts; an April whose payout and correction arrive late.
// Payouts arrive through the real signed webhook with real regtest transactions.
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialBalance } from '../../../src/ledger/index.js';
import { paymentTx } from '../../support/regtest.js';
import { payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';
import { expectOk } from '../production/helpers.js';

let t: FleetApp;
let seed = 500;
/** A moment between what was recorded first and what arrived late (April). */
let knownBefore = '';

async function payout(site: string, sat: bigint, at: string, extra: Record<string, unknown> = {}) {
  const addr = t.addresses[seed % 5]!;
  const tx = paymentTx([{ script: addr.script, valueSat: sat }], seed++);
  const r = await t.send(
    payoutReceived(
      {
        site_id: site,
        pool: 'p',
        txid: tx.getId(),
        vout: 0,
        address: addr.address,
        amount_sat: sat.toString(),
        coinbase: false,
        raw_tx_hex: tx.toHex(),
        ...extra,
      },
      at,
    ),
  );
  if (r.status !== 200) throw new Error(`payout ${site}: ${r.status} ${r.text}`);
}

/** 24 hourly reports of `day` at 100 TH/s, `kwh` an hour; `over` changes some hours. */
function hourly(site: string, day: string, kwh: string, over: Record<number, Record<string, string>> = {}) {
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return Array.from({ length: 24 }, (_, h) => ({
    site,
    period_start: `${day}T${String(h).padStart(2, '0')}:00:00Z`,
    period_end: h === 23 ? `${next}T00:00:00Z` : `${day}T${String(h + 1).padStart(2, '0')}:00:00Z`,
    hashrate_ths: '100',
    energy_kwh: kwh,
    uptime: '1',
    ...over[h],
  }));
}

const networkDay = (day: string) => ({
  day,
  difficulty: '100000000000000',
  blocks: 144,
  avg_subsidy_sat: '312500000',
  avg_fees_sat: '10000000',
  source: 'node',
});

beforeAll(async () => {
  t = await createFleetApp(undefined, []);
  const sites: [string, Record<string, string>][] = [
    ['dam', { export_price_per_kwh: '0.05', export_currency: 'BYN' }],
    ['flare', { export_price_per_kwh: '0.02', export_currency: 'USD' }],
    ['grid', {}],
    ['late', {}],
  ];
  for (const [id, exportPrice] of sites) {
    await expectOk(
      t.request('POST', '/v1/sites', {
        body: {
          id,
          name: id,
          region: 'Minsk',
          energy_source: 'hydro',
          pool: { kind: 'pool', scheme: 'fpps', fee_rate: '0.02' },
          energy_supplier: 'belenergo',
          ...exportPrice,
        },
      }),
      201,
    );
    await expectOk(
      t.request('POST', `/v1/sites/${id}/tariffs`, {
        body: { effective_from: '2026-01-01T00:00:00Z', price_per_kwh: '0.10', currency: 'BYN' },
      }),
      201,
    );
  }
  await expectOk(
    t.request('POST', '/v1/rates', {
      body: { rates: [{ base: 'BYN', quote: 'USD', rate: '0.30', at: '2026-02-28T00:00:00Z', source: 'nbrb' }] },
    }),
  );
  await expectOk(
    t.request('POST', '/v1/prices', {
      body: {
        prices: [
          { currency: 'USD', price: '100000', at: '2026-02-01T00:00:00Z', source: 'desk' },
          { currency: 'USD', price: '90000', at: '2026-03-02T00:00:00Z', source: 'desk' },
          { currency: 'USD', price: '120000', at: '2026-03-03T00:00:00Z', source: 'desk' },
        ],
      },
    }),
  );
  await expectOk(
    t.request('POST', '/v1/network/daily', { body: { days: [networkDay('2026-03-01'), networkDay('2026-04-01')] } }),
  );
  // dam: hours 0-3 curtailed half an hour each (2 h), hour 4 says 0; flare and grid say nothing.
  const curtailed = { 0: { curtailed_hours: '0.5' }, 1: { curtailed_hours: '0.5' }, 4: { curtailed_hours: '0' } };
  await expectOk(
    t.request('POST', '/v1/production', {
      body: {
        reports: [
          ...hourly('dam', '2026-03-01', '100', {
            ...curtailed,
            2: { curtailed_hours: '0.5' },
            3: { curtailed_hours: '0.5' },
          }),
          ...hourly('flare', '2026-03-01', '50'),
          ...hourly('grid', '2026-03-01', '100'),
        ],
      },
    }),
  );
  await payout('dam', 6357n, '2026-03-02T01:00:00Z');
  await payout('flare', 6357n, '2026-03-02T01:00:00Z');

  // April, site late: first known with hour 5 at 150 kWh and hour 0 curtailed 0.75 h ...
  await expectOk(
    t.request('POST', '/v1/production', {
      body: {
        reports: hourly('late', '2026-04-01', '100', { 0: { curtailed_hours: '0.75' }, 5: { energy_kwh: '150' } }),
      },
    }),
  );
  await new Promise((r) => setTimeout(r, 30));
  knownBefore = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 30));
  // ... then, later: hour 5 corrected to 100 kWh, one more hour on 04-02, and the payout for 04-01.
  await expectOk(
    t.request('POST', '/v1/production', {
      body: { reports: [hourly('late', '2026-04-01', '100')[5], hourly('late', '2026-04-02', '100')[0]] },
    }),
  );
  await payout('late', 6357n, '2026-04-05T01:00:00Z', {
    period_start: '2026-04-01T00:00:00Z',
    period_end: '2026-04-02T00:00:00Z',
  });
});
afterAll(async () => t?.close());

const march = '/v1/reconciliation?from=2026-03-01&to=2026-04-01';
const april = '/v1/reconciliation?from=2026-04-01&to=2026-05-01&site_id=late';
const rowOf = (json: any, site: string) => json.rows.find((r: any) => r.site === site);

describe('what the surplus earned', () => {
  it('hand-worked March: MWh, value at receipt, revenue per MWh beside tariff and export, curtailment', async () => {
    const r = await expectOk(t.request('GET', march));
    // dam: 24 h x 100 kWh = 2.4 MWh. Paid 6357 sat on 03-02 01:00, at the 03-02 00:00 mark (90,000):
    // 6357 x 90,000 / 1e8 = 5.7213 -> 5.72; per MWh 5.7213 / 2.4 = 2.383875 -> 2.38.
    // Tariff 2400 x 0.10 BYN = 240 BYN x 0.30 = 72.00 USD, 30.00/MWh.
    // Export 2400 x 0.05 BYN = 120 BYN x 0.30 = 36.00 USD, 15.00/MWh: the alternative.
    expect(rowOf(r, 'dam')).toMatchObject({
      energy_kwh: '2400',
      energy_mwh: '2.4',
      actual_sat: '6357',
      actual_btc: '0.00006357',
      mined_value_at_receipt: '5.72',
      revenue_per_mwh: '2.38',
      energy_cost_reporting: { currency: 'USD', amount: '72.00' },
      tariff_per_mwh: '30.00',
      export_price_per_kwh: '0.05',
      export_currency: 'BYN',
      export_value: '36.00',
      export_per_mwh: '15.00',
      alternative_basis: 'export_price',
      alternative_value: '36.00',
      alternative_per_mwh: '15.00',
      curtailed_hours: '2',
    });
    // flare: 24 x 50 kWh = 1.2 MWh; 5.7213 / 1.2 = 4.76775 -> 4.77; tariff 120 BYN = 36.00 USD (30.00/MWh);
    // export 1200 x 0.02 USD = 24.00 (20.00/MWh), no conversion; no report states curtailment.
    expect(rowOf(r, 'flare')).toMatchObject({
      energy_mwh: '1.2',
      mined_value_at_receipt: '5.72',
      revenue_per_mwh: '4.77',
      tariff_per_mwh: '30.00',
      export_value: '24.00',
      export_per_mwh: '20.00',
      export_currency: 'USD',
      alternative_basis: 'export_price',
      curtailed_hours: null,
    });
    // grid: no export price, so its tariff is the alternative; nothing received, worth 0.00.
    expect(rowOf(r, 'grid')).toMatchObject({
      energy_mwh: '2.4',
      mined_value_at_receipt: '0.00',
      revenue_per_mwh: '0.00',
      export_price_per_kwh: null,
      export_value: null,
      export_per_mwh: null,
      alternative_basis: 'tariff',
      alternative_value: '72.00',
      alternative_per_mwh: '30.00',
    });
    // Totals: 6 MWh; 11.44 received (11.44 / 6 = 1.9066 -> 1.91); tariff 180.00 (30.00/MWh);
    // export unknown for grid, so no export total; alternative 36 + 24 + 72 = 132.00 (22.00/MWh).
    expect(r.totals).toMatchObject({
      energy_mwh: '6',
      mined_value_at_receipt: '11.44',
      revenue_per_mwh: '1.91',
      energy_cost_reporting: '180.00',
      tariff_per_mwh: '30.00',
      export_value: null,
      export_per_mwh: null,
      alternative_basis: 'mixed',
      alternative_value: '132.00',
      alternative_per_mwh: '22.00',
      curtailed_hours: '2',
    });
  });

  it('the CSV: the same figures, amount and currency in separate columns, a TOTAL row that sums them', async () => {
    const csv = await t.request('GET', `${march}&format=csv`);
    expect(csv.status).toBe(200);
    const records = parse(csv.text, { columns: true }) as Record<string, string>[];
    const total = records.pop()!;
    const dam = records.find((x) => x.site === 'dam')!;
    expect(dam).toMatchObject({
      energy_mwh: '2.4',
      actual_btc: '0.00006357',
      mined_value_at_receipt: '5.72',
      revenue_per_mwh: '2.38',
      tariff_per_mwh: '30.00',
      export_price_per_kwh: '0.05',
      export_currency: 'BYN',
      export_value: '36.00',
      export_per_mwh: '15.00',
      alternative_basis: 'export_price',
      alternative_value: '36.00',
      curtailed_hours: '2',
      reporting_currency: 'USD',
    });
    expect(records.find((x) => x.site === 'grid')!.export_value).toBe('');
    expect(total.site).toBe('TOTAL');
    for (const column of [
      'energy_kwh',
      'energy_mwh',
      'energy_cost_BYN',
      'energy_cost_reporting',
      'mined_value_at_receipt',
      'alternative_value',
      'curtailed_hours',
      'actual_sat',
    ]) {
      for (const row of records) expect(row[column], column).toMatch(/^(-?\d+(\.\d+)?)?$/); // a number or empty
      const sum = records.reduce((s, row) => s.plus(row[column] || 0), new Decimal(0));
      expect(new Decimal(total[column]!).eq(sum), column).toBe(true);
    }
    expect(total).toMatchObject({ export_value: '', alternative_per_mwh: '22.00', revenue_per_mwh: '1.91' });
  });
});

describe('known_at: the reconciliation as Reserve knew it then', () => {
  it('before the late payout and correction: the first figures, no income, the payout missing', async () => {
    const r = await expectOk(t.request('GET', `${april}&known_at=${knownBefore}`));
    expect(r.known_at).toBe(knownBefore);
    expect(r.rows.map((x: any) => x.period)).toEqual(['2026-04']);
    // 23 x 100 + 150 kWh on 04-01; nothing of 04-02 yet; 0.75 h curtailed.
    expect(rowOf(r, 'late')).toMatchObject({
      reports: 24,
      energy_kwh: '2450',
      curtailed_hours: '0.75',
      expected_sat: '6357',
      actual_sat: '0',
      mined_value_at_receipt: '0.00',
    });
    expect(rowOf(r, 'late').flags.map((f: any) => f.code)).toEqual(['missing_payout']);
    const csv = parse((await t.request('GET', `${april}&known_at=${knownBefore}&format=csv`)).text, {
      columns: true,
    }) as Record<string, string>[];
    expect(csv.map((x) => [x.site, x.energy_kwh, x.actual_sat])).toEqual([
      ['late', '2450', '0'],
      ['TOTAL', '2450', '0'],
    ]);
  });

  it('after them (and without known_at): the corrected hour, the late hour and the payout in its period', async () => {
    const later = new Date(Date.now() + 60_000).toISOString();
    for (const query of [`${april}&known_at=${later}`, april]) {
      const r = await expectOk(t.request('GET', query));
      // 24 x 100 on 04-01 (hour 5 corrected) + 100 on 04-02.
      expect(rowOf(r, 'late'), query).toMatchObject({
        reports: 25,
        energy_kwh: '2500',
        curtailed_hours: '0.75',
        actual_sat: '6357',
        variance_sat: '0',
        flags: [],
      });
    }
  });

  it("agrees with the ledger's trial balance at the same known_at, before and after", async () => {
    for (const knownAt of [knownBefore, new Date(Date.now() + 60_000).toISOString()]) {
      const r = await expectOk(t.request('GET', `${april}&known_at=${knownAt}`));
      const income = async (asOf: string) => {
        const tb = await trialBalance(t.ctx(), { asOf: new Date(asOf), knownAt: new Date(knownAt) });
        return -BigInt(String(tb.rows.find((x) => x.account === 'Income:Mining:late')?.balance ?? 0));
      };
      const activity = (await income('2026-04-30T23:59:59.999Z')) - (await income('2026-03-31T23:59:59.999Z'));
      expect(rowOf(r, 'late').actual_sat, knownAt).toBe(activity.toString());
    }
  });

  it('before anything was recorded: nothing', async () => {
    const r = await expectOk(t.request('GET', `${march}&known_at=2020-01-01T00:00:00Z`));
    expect(r.rows).toEqual([]);
    expect(r.totals).toMatchObject({ reports: 0, actual_sat: '0' });
  });

  it('refuses a bad known_at, and says a missing from or to is required, naming the field', async () => {
    const bad = await t.request('GET', `${march}&known_at=yesterday`);
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.json.errors).toEqual([{ field: 'query.known_at', reason: expect.stringMatching(/RFC 3339/) }]);
    const missing = await t.request('GET', '/v1/reconciliation?to=2026-04-01');
    expect(missing.status).toBe(422);
    expect(missing.json.errors).toEqual([{ field: 'query.from', reason: 'is required' }]);
    const neither = await t.request('GET', '/v1/reconciliation');
    expect(neither.json.errors).toEqual([
      { field: 'query.from', reason: 'is required' },
      { field: 'query.to', reason: 'is required' },
    ]);
    const malformed = await t.request('GET', '/v1/reconciliation?from=2026-3-1&to=2026-04-01');
    expect(malformed.json.errors).toEqual([{ field: 'query.from', reason: 'must be a date YYYY-MM-DD' }]);
  });
});
