// issue 13, finding 5: prices, FX rates and network days read back (they answered 405), a page at a
// time, half-open windows; and a CSV import of price and rate files for an air-gapped site.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPricesCsv, importRatesCsv } from '../../../src/production/market-import.js';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  const prices = Array.from({ length: 5 }, (_, i) => ({
    currency: 'USD',
    price: `${60000 + i}.5`,
    at: `2026-0${i + 1}-01T00:00:00Z`,
    source: 'exchange-a',
  }));
  prices.push({ currency: 'EUR', price: '55000', at: '2026-01-01T00:00:00Z', source: 'exchange-a' });
  expect((await t.request('POST', '/v1/prices', { body: { prices } })).status).toBe(200);
  const rates = [
    { base: 'USD', quote: 'BYN', rate: '3.2', at: '2026-01-01T00:00:00Z', source: 'nbrb' },
    { base: 'EUR', quote: 'USD', rate: '1.08', at: '2026-01-01T00:00:00Z', source: 'ecb' },
  ];
  expect((await t.request('POST', '/v1/rates', { body: { rates } })).status).toBe(200);
  const days = ['2026-01-01', '2026-01-02', '2026-01-03'].map((day) => ({
    day,
    difficulty: '109782075598905.45',
    blocks: 144,
    avg_subsidy_sat: '312500000',
    avg_fees_sat: '10000000',
    source: 'node',
  }));
  expect((await t.request('POST', '/v1/network/daily', { body: { days } })).status).toBe(200);
});
afterAll(async () => t.close());

const get = (path: string, key = t.keys.auditor) => t.request('GET', path, { key });

describe('GET /v1/prices, /v1/rates, /v1/network/daily', () => {
  it('pages the price marks oldest first, filtered by currency and a half-open window', async () => {
    const first = await get('/v1/prices?currency=USD&limit=2');
    expect(first.status, first.text).toBe(200);
    expect(first.json.items.map((p: { price: string }) => p.price)).toEqual(['60000.5', '60001.5']);
    expect(first.json.items[0]).toMatchObject({
      currency: 'USD',
      at: '2026-01-01T00:00:00.000Z',
      source: 'exchange-a',
    });
    const second = await get(`/v1/prices?currency=USD&limit=2&cursor=${first.json.next_cursor}`);
    expect(second.json.items.map((p: { price: string }) => p.price)).toEqual(['60002.5', '60003.5']);
    const windowed = await get('/v1/prices?from=2026-02-01T00:00:00Z&to=2026-04-01T00:00:00Z');
    expect(windowed.json.items.map((p: { at: string }) => p.at)).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
    expect(windowed.json.next_cursor).toBeNull();
  });

  it('reads rates and network days back, and officers may read them', async () => {
    const rates = await get('/v1/rates?quote=BYN', t.keys.officer);
    expect(rates.json.items).toEqual([
      expect.objectContaining({ base: 'USD', quote: 'BYN', rate: '3.2', source: 'nbrb' }),
    ]);
    const days = await get('/v1/network/daily?from=2026-01-02&limit=1');
    expect(days.json.items).toEqual([
      expect.objectContaining({ day: '2026-01-02', blocks: 144, avg_subsidy_sat: '312500000' }),
    ]);
    const rest = await get(`/v1/network/daily?from=2026-01-02&limit=1&cursor=${days.json.next_cursor}`);
    expect(rest.json.items.map((d: { day: string }) => d.day)).toEqual(['2026-01-03']);
    expect(rest.json.next_cursor).toBeNull();
  });

  it('refuses an unknown parameter, a bad currency and no key, naming the field', async () => {
    const unknown = await get('/v1/prices?curency=USD');
    expect(unknown.status).toBe(422);
    expect(unknown.json.errors).toEqual([{ field: 'query.curency', reason: 'is not a known field' }]);
    expect((await get('/v1/rates?base=XXQ')).json.errors[0].field).toBe('query.base');
    expect((await t.request('GET', '/v1/prices', { key: null })).status).toBe(401);
  });
});

describe('CSV import of price and rate files', () => {
  it('records a price file, idempotently', async () => {
    const csv =
      'currency,price,at,source\nUSD,70000.25,2026-06-01T00:00:00Z,usb-stick\nUSD,71000,2026-06-02T00:00:00Z,usb-stick\n';
    expect(await importPricesCsv({ ctx: t.ctx(), input: { text: csv } })).toEqual({ received: 2, inserted: 2 });
    expect(await importPricesCsv({ ctx: t.ctx(), input: { text: csv } })).toEqual({ received: 2, inserted: 0 });
    const read = await get('/v1/prices?from=2026-06-01T00:00:00Z');
    expect(read.json.items.map((p: { price: string }) => p.price)).toEqual(['70000.25', '71000']);
  });

  it('records a rate file; a bad row names its line and field and records nothing', async () => {
    const good = 'base,quote,rate,at,source\nBYN,USD,0.31,2026-06-01T00:00:00Z,nbrb\n';
    expect(await importRatesCsv({ ctx: t.ctx(), input: { text: good } })).toEqual({ received: 1, inserted: 1 });
    const bad =
      'base,quote,rate,at,source\nBYN,USD,0.32,2026-06-02T00:00:00Z,nbrb\nBYN,USD,-1,2026-06-03T00:00:00Z,nbrb\n';
    await expect(importRatesCsv({ ctx: t.ctx(), input: { text: bad } })).rejects.toMatchObject({
      code: 'validation_failed',
      options: { errors: [expect.objectContaining({ field: 'line 3: rate' })] },
    });
    expect((await get('/v1/rates?from=2026-06-02T00:00:00Z')).json.items).toEqual([]);
    await expect(
      importRatesCsv({ ctx: t.ctx(), input: { text: 'base,quote,price\nBYN,USD,1\n' } }),
    ).rejects.toMatchObject({
      options: {
        errors: [{ field: 'header', reason: expect.stringMatching(/missing rate, at, source; unknown price/) }],
      },
    });
  });
});
