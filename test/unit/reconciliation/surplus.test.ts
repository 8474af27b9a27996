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
  it('gives revenue and tariff per MWh', () => {
    expect(surplusFields(new Dec('2500'), new Dec('37000'), new Dec('150'), 2)).toEqual({
      energy_mwh: '2.5',
      mined_value_at_receipt: '37000.00',
      revenue_per_mwh: '14800.00',
      tariff_per_mwh: '60.00',
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
    ...surplusFields(new Dec('1000'), new Dec('0.63'), new Dec('1116.00'), 2),
    ...over,
  };
}

describe('the reconciliation CSV', () => {
  const rows = [
    row('dam-1', {}),
    row('flare-2', { energy_cost: [{ currency: 'USD', amount: '250.5' }], energy_kwh: '500.5', actual_sat: '1200' }),
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
    ]) {
      const sum = body.reduce((s, r) => s.plus(r[column] || 0), new Decimal(0));
      expect(new Decimal(total[column]!).eq(sum), column).toBe(true);
    }
    expect(total.actual_btc).toBe('0.00002100');
    expect(total.energy_mwh).toBe('1.5005');
  });
});
