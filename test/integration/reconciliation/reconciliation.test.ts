// The reconciliation over a built month: every flag fires on its case and stays silent on the
// clean site; the figures agree with the ledger. Payouts arrive through the real signed webhook
// with real regtest transactions.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networks, payments } from 'bitcoinjs-lib';
import { Decimal } from 'decimal.js';
import { trialBalance } from '../../../src/ledger/service.js';
import { RegtestChain } from '../../support/chain.js';
import { coinbaseTx, paymentTx } from '../../support/regtest.js';
import { payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';
import { expectOk } from '../production/helpers.js';

let t: FleetApp;
const fpps = (fee = '0.02') => ({ kind: 'pool', scheme: 'fpps', fee_rate: fee });
const SITES: [string, object][] = [
  ['fpps-ok', fpps()],
  ['fpps-under', fpps()],
  ['fpps-missing', fpps()],
  ['solo-quiet', { kind: 'solo' }],
  ['solo-lucky', { kind: 'solo' }],
  ['idle', fpps()],
  ['ghost', fpps()],
  ['foreign', fpps()],
  ['fpps-period', fpps()],
  ['fpps-block', fpps()],
];
let seed = 100;

async function payout(site: string, sat: bigint, at: string, coinbase = false, extra: Record<string, unknown> = {}) {
  const addr = t.addresses[seed % 5]!;
  const tx = coinbase
    ? coinbaseTx(seed, [{ script: addr.script, valueSat: sat }], site)
    : paymentTx([{ script: addr.script, valueSat: sat }], seed);
  seed++;
  const r = await t.send(
    payoutReceived(
      {
        site_id: site,
        pool: 'p',
        txid: tx.getId(),
        vout: 0,
        address: addr.address,
        amount_sat: sat.toString(),
        coinbase,
        raw_tx_hex: tx.toHex(),
        ...extra,
      },
      at,
    ),
  );
  if (r.status !== 200) throw new Error(`payout ${site}: ${r.status} ${r.text}`);
}

// One day of production at 100 TH/s on 2026-03-01 (24 hourly reports), 100 kWh an hour.
const hourly = (site: string, hashrate = '100', kwh = '100') =>
  Array.from({ length: 24 }, (_, h) => ({
    site,
    period_start: `2026-03-01T${String(h).padStart(2, '0')}:00:00Z`,
    period_end: h === 23 ? '2026-03-02T00:00:00Z' : `2026-03-01T${String(h + 1).padStart(2, '0')}:00:00Z`,
    hashrate_ths: hashrate,
    energy_kwh: kwh,
    uptime: '1',
  }));

beforeAll(async () => {
  t = await createFleetApp();
  for (const [id, pool] of SITES) {
    await expectOk(
      t.request('POST', '/v1/sites', {
        body: { id, name: id, region: 'Minsk', energy_source: 'hydro', pool, energy_supplier: 'belenergo' },
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
    t.request('POST', '/v1/network/daily', {
      body: {
        days: [
          {
            day: '2026-03-01',
            difficulty: '100000000000000',
            blocks: 144,
            avg_subsidy_sat: '312500000',
            avg_fees_sat: '10000000',
            source: 'node',
          },
        ],
      },
    }),
  );
  for (const site of [
    'fpps-ok',
    'fpps-under',
    'fpps-missing',
    'solo-quiet',
    'solo-lucky',
    'foreign',
    'fpps-period',
    'fpps-block',
  ]) {
    await expectOk(t.request('POST', '/v1/production', { body: { reports: hourly(site) } }));
  }
  await expectOk(t.request('POST', '/v1/production', { body: { reports: hourly('idle', '0', '10') } }));
  // A correction: hour 5 of fpps-ok was first reported with too much energy.
  await expectOk(
    t.request('POST', '/v1/production', { body: { reports: [{ ...hourly('fpps-ok')[5], energy_kwh: '150' }] } }),
  );
  await expectOk(t.request('POST', '/v1/production', { body: { reports: [hourly('fpps-ok')[5]] } }));

  await payout('fpps-ok', 6357n, '2026-03-02T01:00:00Z');
  await payout('fpps-under', 5000n, '2026-03-02T01:00:00Z');
  await payout('solo-lucky', 315_000_000n, '2026-03-01T12:00:00Z', true);
  await payout('ghost', 1000n, '2026-03-03T00:00:00Z');
  await payout('foreign', 6357n, '2026-03-02T01:00:00Z');
  // Paid in April for March 1st, naming the period: attributed to the period (booked at its start).
  await payout('fpps-period', 6357n, '2026-04-02T01:00:00Z', false, {
    period_start: '2026-03-01T00:00:00Z',
    period_end: '2026-03-02T00:00:00Z',
  });
  // Reported in April, in a block found on March 1st at 18:00 (its header's time): attributed by block time.
  const chain = RegtestChain.fromGenesis();
  const blocks = [chain.mine({ time: '2026-03-01T18:00:00Z' })];
  const found = await t.send(chain.connected(blocks[0]!, '2026-03-01T18:00:00Z'));
  if (found.status !== 200) throw new Error(found.text);
  await payout('fpps-block', 6357n, '2026-04-03T00:00:00Z', false, { block_height: 1, block_hash: blocks[0]!.hash });
  // A payout to an address no policy controls: refused, and an alert raised now.
  const stranger = payments.p2wpkh({ hash: Buffer.alloc(20, 0x11), network: networks.regtest });
  const foreignTx = paymentTx([{ script: stranger.output!, valueSat: 999n }], 7);
  const refused = await t.send(
    payoutReceived({
      site_id: 'foreign',
      pool: 'p',
      txid: foreignTx.getId(),
      vout: 0,
      address: stranger.address!,
      amount_sat: '999',
      coinbase: false,
    }),
  );
  if (refused.status !== 422 || !refused.json.alert_id)
    throw new Error(`foreign payout: ${refused.status} ${refused.text}`);
});
afterAll(async () => t?.close());

const march = (extra = '') => `/v1/reconciliation?from=2026-03-01&to=2026-04-01&granularity=month${extra}`;
const rowOf = (json: any, site: string) => json.rows.find((r: any) => r.site === site);
const codes = (row: any) => row.flags.map((f: any) => f.code).sort();

describe('reconciliation by month', () => {
  it('hand-worked clean FPPS site: expected 6357 sat, paid 6357, 240 BYN = 72.00 USD, no flags', async () => {
    const r = await expectOk(t.request('GET', march(), { key: t.keys.auditor }));
    const row = rowOf(r, 'fpps-ok');
    // 100 TH/s * 86400 s / (1e14 * 2^32) * 322,500,000 sat = 6487.593... less 2% = 6357.84 -> 6357 sat
    expect(row).toMatchObject({
      period: '2026-03',
      pool: 'fpps',
      reports: 24,
      hashrate_ths: '100',
      energy_kwh: '2400',
      expected_sat: '6357',
      expected_btc: '0.00006357',
      actual_sat: '6357',
      variance_sat: '0',
      variance_pct: '0.00',
      energy_cost: [{ currency: 'BYN', amount: '240.00' }],
      energy_cost_reporting: { currency: 'USD', amount: '72.00' },
      flags: [],
    });
    // 2400 kWh * 3.6e6 J / (100 TH/s * 86400 s) = 1000 J/TH
    expect(row.efficiency_j_per_th).toBe('1000.000');
    // 72 USD / 0.00006357 BTC
    expect(row.production_cost_per_btc).toBe(new Decimal(72).mul(1e8).div(6357).toFixed(2));
    expect(row.break_even_btc_price).toBe(row.production_cost_per_btc);
  });

  it('each flag fires on its built case', async () => {
    const r = await expectOk(t.request('GET', march()));
    expect(codes(rowOf(r, 'fpps-under'))).toEqual(['underpayment']);
    expect(rowOf(r, 'fpps-under').variance_sat).toBe('-1357');
    expect(codes(rowOf(r, 'fpps-missing'))).toEqual(['missing_payout']);
    expect(codes(rowOf(r, 'idle'))).toEqual(['energy_without_hashrate']);
    expect(codes(rowOf(r, 'ghost'))).toEqual(['payout_without_production']);
    // Solo: 0.0000201 expected blocks -> 99% interval [0, 0]; one block is outside it.
    expect(rowOf(r, 'solo-lucky')).toMatchObject({
      solo_interval: { lower: 0, upper: 0, level: 0.99 },
      actual_blocks: 1,
    });
    expect(codes(rowOf(r, 'solo-lucky'))).toEqual(['solo_blocks_outside_interval']);
    expect(codes(rowOf(r, 'solo-quiet'))).toEqual([]);
  });

  it('a foreign-address alert flags its site in the period the alert was raised', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const r = await expectOk(t.request('GET', `/v1/reconciliation?from=${today}&to=${tomorrow}&granularity=day`));
    expect(codes(rowOf(r, 'foreign'))).toEqual(['foreign_address']);
    expect(codes(rowOf(await expectOk(t.request('GET', march())), 'foreign'))).toEqual([]);
  });

  it('agrees with the ledger: energy cost = energy expense of the period; actual = mining income of the period', async () => {
    const r = await expectOk(t.request('GET', march()));
    const before = await trialBalance(t.ctx(), { asOf: new Date('2026-02-28T23:59:59.999Z') });
    const after = await trialBalance(t.ctx(), { asOf: new Date('2026-03-31T23:59:59.999Z') });
    const activity = (account: string, commodity: string) => {
      const of = (tb: typeof after) =>
        new Decimal(String(tb.rows.find((x) => x.account === account && x.commodity === commodity)?.balance ?? 0));
      return of(after).sub(of(before));
    };
    for (const row of r.rows) {
      const expense = activity(`Expenses:Energy:${row.site}`, 'BYN');
      const reported = row.energy_cost.reduce((s: Decimal, c: any) => s.add(c.amount), new Decimal(0));
      expect(reported.toFixed(2), row.site).toBe(expense.toFixed(2));
      expect(row.actual_sat, row.site).toBe(activity(`Income:Mining:${row.site}`, 'BTC').neg().toFixed(0));
    }
    // The corrected hour counts once, at its corrected figure.
    expect(rowOf(r, 'fpps-ok').energy_cost[0].amount).toBe('240.00');
  });

  it('by day: the payout lands on the day it arrived', async () => {
    const r = await expectOk(t.request('GET', march('').replace('month', 'day')));
    const ok = r.rows.filter((x: any) => x.site === 'fpps-ok');
    expect(ok.map((x: any) => [x.period, x.expected_sat, x.actual_sat])).toEqual([
      ['2026-03-01', '6357', '0'],
      ['2026-03-02', '0', '6357'],
    ]);
  });

  it('a payout naming its period counts in that period; one in a known block counts at the block time', async () => {
    const r = await expectOk(t.request('GET', march()));
    for (const site of ['fpps-period', 'fpps-block']) {
      expect(rowOf(r, site), site).toMatchObject({
        expected_sat: '6357',
        actual_sat: '6357',
        variance_sat: '0',
        flags: [],
      });
    }
    const byDay = await expectOk(t.request('GET', march('').replace('month', 'day')));
    expect(
      byDay.rows
        .filter((x: any) => x.site === 'fpps-period' || x.site === 'fpps-block')
        .map((x: any) => [x.site, x.period, x.actual_sat]),
    ).toEqual([
      ['fpps-block', '2026-03-01', '6357'],
      ['fpps-period', '2026-03-01', '6357'],
    ]);
    // Nothing of them in April, the month they were reported in.
    const april = await expectOk(
      t.request('GET', '/v1/reconciliation?from=2026-04-01&to=2026-05-01&granularity=month'),
    );
    expect(rowOf(april, 'fpps-period')).toBeUndefined();
    expect(rowOf(april, 'fpps-block')).toBeUndefined();
  });

  it('CSV carries the same rows', async () => {
    const r = await t.request('GET', march('&format=csv'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/csv');
    const lines = r.text.trim().split('\n');
    expect(lines[0]).toMatch(/^site,period,period_start/);
    expect(lines.find((l) => l.startsWith('fpps-under,'))).toContain('underpayment');
    expect(lines).toHaveLength(1 + SITES.length + 1); // a header, every site's March row, the TOTAL row
    expect(lines[lines.length - 1]).toMatch(/^TOTAL,2026-03,/);
  });

  // issue 13, finding 9: a 3-day query is labelled by its days, not its month; the CSV keeps amount
  // and currency apart, so a spreadsheet sums each column, and its totals row is that sum.
  it('a 3-day query is labelled by its range; the CSV sums column by column into its TOTAL row', async () => {
    const json = await expectOk(t.request('GET', '/v1/reconciliation?from=2026-03-01&to=2026-03-04'));
    expect(new Set(json.rows.map((r: any) => r.period))).toEqual(new Set(['2026-03-01/2026-03-04']));
    expect(json.totals.period).toBe('2026-03-01/2026-03-04');
    const csv = await t.request('GET', '/v1/reconciliation?from=2026-03-01&to=2026-03-04&format=csv');
    const records = parse(csv.text, { columns: true }) as Record<string, string>[];
    const total = records.pop()!;
    expect(total.site).toBe('TOTAL');
    const costColumns = Object.keys(total).filter((k) => k.startsWith('energy_cost_') && k !== 'energy_cost_reporting');
    expect(costColumns.length).toBeGreaterThan(0);
    for (const column of [...costColumns, 'energy_kwh', 'expected_sat', 'actual_sat']) {
      for (const r of records) expect(r[column], column).toMatch(/^(-?\d+(\.\d+)?)?$/); // a number or empty, no currency
      const sum = records.reduce((s, r) => s.plus(r[column] || 0), new Decimal(0));
      expect(new Decimal(total[column]!).eq(sum), column).toBe(true);
    }
    expect(records[0]!.reporting_currency).toMatch(/^[A-Z]{3}$/);
  });

  it('refuses bad queries naming the field', async () => {
    const bad = await t.request(
      'GET',
      '/v1/reconciliation?from=2026-04-01&to=2026-03-01&granularity=week&currency=usd',
    );
    expect(bad.status).toBe(422);
    expect(bad.json.errors.map((e: any) => e.field)).toEqual(
      expect.arrayContaining(['query.granularity', 'query.currency']),
    );
    expect((await t.request('GET', '/v1/reconciliation?from=2026-04-01&to=2026-03-01')).json.errors).toEqual([
      { field: 'query.to', reason: 'must be after from' },
    ]);
    expect((await t.request('GET', march(), { key: null })).status).toBe(401);
    expect((await t.request('GET', march('&site_id=nowhere'))).status).toBe(404);
    const one = await expectOk(t.request('GET', march('&site_id=fpps-under')));
    expect(one.rows.map((r: any) => r.site)).toEqual(['fpps-under']);
  });
});
