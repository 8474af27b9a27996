// issue 13, finding 9: periods labelled by the range they cover; the CSV keeps amounts and
// currencies apart, so a spreadsheet sums each column, and ends with a TOTAL row that equals
// those sums; what the surplus earned (value at receipt, per MWh) beside its tariff.
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/money/fiat.js';
import {
  type CsvRow,
  periodLabel,
  reconciliationCsv,
  surplusFields,
  totalsOf,
  valueAtReceipt,
} from '../../../src/reconciliation/surplus.js';

const d = (s: string) => new Date(s);

describe('period labels', () => {
  it('name a whole day or month by it, anything else by its half-open range', () => {
    expect(periodLabel(d('2026-03-01T00:00:00Z'), d('2026-04-01T00:00:00Z'), 'month')).toBe('2026-03');
    expect(periodLabel(d('2026-03-05T00:00:00Z'), d('2026-03-08T00:00:00Z'), 'month')).toBe('2026-03-05/2026-03-08');
    expect(periodLabel(d('2026-03-01T00:00:00Z'), d('2026-03-31T00:00:00Z'), 'month')).toBe('2026-03-01/2026-03-31');
    expect(periodLabel(d('2026-03-05T00:00:00Z'), d('2026-03-06T00:00:00Z'), 'day')).toBe('2026-03-05');
  });
});

describe('value at receipt', () => {
  const marks = [
    { at: d('2026-01-01T00:00:00Z'), price: new Dec('60000') },
    { at: d('2026-02-01T00:00:00Z'), price: new Dec('70000') },
  ];
  it('values each receipt at the mark in force at its time (at or before)', () => {
    const value = valueAtReceipt(
      [
        { at: d('2026-01-15T00:00:00Z'), sat: 50_000_000n },
        { at: d('2026-02-01T00:00:00Z'), sat: 10_000_000n },
      ],
      marks,
    );
    expect(value?.toFixed()).toBe('37000');
  });
  it('is unknown, not partial, when a receipt precedes every mark', () => {
    expect(valueAtReceipt([{ at: d('2025-12-31T00:00:00Z'), sat: 1n }], marks)).toBeNull();
  });
  it('sums per mark before valuing: the same as each receipt at its own mark', () => {
    const receipts = Array.from({ length: 7 }, (_, i) => ({
      at: d(`2026-0${1 + (i % 2)}-1${i}T00:00:00Z`),
      sat: BigInt(1_234_567 * (i + 1)),
    }));
    // By hand: January receipts i = 0, 2, 4, 6 (60,000), February i = 1, 3, 5 (70,000).
    const jan = 1_234_567 * (1 + 3 + 5 + 7);
    const feb = 1_234_567 * (2 + 4 + 6);
    const expected = new Decimal(jan).mul(60000).add(new Decimal(feb).mul(70000)).div(1e8);
    expect(valueAtReceipt(receipts, marks)?.toFixed()).toBe(expected.toFixed());
  });
  it('gives revenue, tariff and export per MWh; the export price is the alternative when set', () => {
    const base = {
      energyKwh: new Dec('2500'),
      valueAtReceipt: new Dec('37000'),
      costReporting: new Dec('150'),
      exportValue: null,
      exportPrice: null,
      curtailedHours: null,
    };
    expect(surplusFields(base, 2)).toEqual({
      energy_mwh: '2.5',
      mined_value_at_receipt: '37000.00',
      revenue_per_mwh: '14800.00',
      tariff_per_mwh: '60.00',
      curtailed_hours: null,
      export_price_per_kwh: null,
      export_currency: null,
      export_value: null,
      export_per_mwh: null,
      alternative_basis: 'tariff',
      alternative_value: '150.00',
      alternative_per_mwh: '60.00',
    });
    // 2500 kWh x 0.05 BYN x 0.30 = 37.50 USD, 15.00 per MWh.
    const exported = surplusFields(
      {
        ...base,
        exportValue: new Dec('37.5'),
        exportPrice: { perKwh: new Dec('0.05'), currency: 'BYN' },
        curtailedHours: new Dec('3.5'),
      },
      2,
    );
    expect(exported).toMatchObject({
      curtailed_hours: '3.5',
      export_price_per_kwh: '0.05',
      export_currency: 'BYN',
      export_value: '37.50',
      export_per_mwh: '15.00',
      alternative_basis: 'export_price',
      alternative_value: '37.50',
      alternative_per_mwh: '15.00',
    });
    // An export price whose rate is missing: no alternative, not the tariff in its place.
    expect(surplusFields({ ...base, exportPrice: { perKwh: new Dec('0.05'), currency: 'BYN' } }, 2)).toMatchObject({
      export_value: null,
      alternative_basis: null,
      alternative_value: null,
    });
  });
});

function row(site: string, over: Partial<CsvRow>): CsvRow {
  return {
    site,
    period: '2026-03',
    period_start: '2026-03-01T00:00:00.000Z',
    period_end: '2026-04-01T00:00:00.000Z',
    pool: 'fpps',
    reports: 10,
    hashrate_ths: '100',
    energy_kwh: '1000',
    efficiency_j_per_th: null,
    energy_cost: [{ currency: 'BYN', amount: '3571.20' }],
    energy_cost_reporting: { currency: 'USD', amount: '1116.00' },
    expected_sat: '1000',
    expected_btc: '0.00001000',
    expected_blocks: '0',
    actual_sat: '900',
    actual_btc: '0.00000900',
    variance_sat: '-100',
    variance_pct: '-10.00',
    production_cost_per_btc: null,
    break_even_btc_price: null,
    solo_interval: null,
    actual_blocks: null,
    missing_network_days: 0,
    flags: [],
    ...surplusFields(
      {
        energyKwh: new Dec('1000'),
        valueAtReceipt: new Dec('0.63'),
        costReporting: new Dec('1116.00'),
        exportValue: new Dec('150'),
        exportPrice: { perKwh: new Dec('0.5'), currency: 'BYN' },
        curtailedHours: new Dec('2'),
      },
      2,
    ),
    ...over,
  };
}

describe('the reconciliation CSV', () => {
  const rows = [
    row('dam-1', {}),
    row('flare-2', {
      energy_cost: [{ currency: 'USD', amount: '250.5' }],
      energy_kwh: '500.5',
      actual_sat: '1200',
      curtailed_hours: null,
      export_value: '75.08',
      alternative_value: '75.08',
    }),
  ];
  const totals = totalsOf(rows, '2026-03', 2);
  const records = reconciliationCsv(rows, totals, 'USD');
  const parsed = parse(records.map((r) => r.map((c) => JSON.stringify(c)).join(',')).join('\n'), {
    columns: true,
  }) as Record<string, string>[];

  it('puts each cost currency in a column of its own and the currency in the header, never in a cell', () => {
    expect(records[0]).toContain('energy_cost_BYN');
    expect(records[0]).toContain('energy_cost_USD');
    for (const r of parsed)
      for (const [k, v] of Object.entries(r)) if (k !== 'flags') expect(v).not.toMatch(/\d [A-Z]{3}$/);
    expect(parsed[0]!.energy_cost_BYN).toBe('3571.20');
  });

  it('ends with a TOTAL row equal to the sum of each numeric column', () => {
    const total = parsed[parsed.length - 1]!;
    const body = parsed.slice(0, -1);
    expect(total.site).toBe('TOTAL');
    for (const column of [
      'energy_kwh',
      'energy_cost_BYN',
      'energy_cost_USD',
      'energy_cost_reporting',
      'actual_sat',
      'expected_sat',
      'curtailed_hours',
      'export_value',
      'alternative_value',
    ]) {
      const sum = body.reduce((s, r) => s.plus(r[column] || 0), new Decimal(0));
      expect(new Decimal(total[column]!).eq(sum), column).toBe(true);
    }
    expect(total.actual_btc).toBe('0.00002100');
    expect(total.energy_mwh).toBe('1.5005');
    // The export price and its currency in columns of their own; per MWh from the summed value.
    expect(parsed[0]!.export_price_per_kwh).toBe('0.5');
    expect(parsed[0]!.export_currency).toBe('BYN');
    expect(total.export_per_mwh).toBe(new Decimal('225.08').div('1.5005').toFixed(2));
    expect(total.alternative_basis).toBe('export_price');
    expect(total.curtailed_hours).toBe('2');
  });
});
