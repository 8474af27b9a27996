import type { TestApp } from '../../support/app.js';

export const SITE = {
  id: 'hydro-1',
  name: 'Hydro one',
  region: 'Grodno',
  energy_source: 'hydro',
  pool: { kind: 'pool', name: 'FPPS pool', scheme: 'fpps', fee_rate: '0.02' },
  energy_supplier: 'grodnoenergo',
};

export async function expectOk<T = any>(
  promise: Promise<{ status: number; json: any; text: string }>,
  status = 200,
): Promise<T> {
  const res = await promise;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  return res.json as T;
}

/** A site with one open-ended BYN tariff from 2026-01-01. */
export async function siteWithTariff(t: TestApp, site: Record<string, unknown> = SITE, price = '0.10') {
  await expectOk(t.request('POST', '/v1/sites', { body: site }), 201);
  return expectOk(
    t.request('POST', `/v1/sites/${site.id}/tariffs`, {
      body: { effective_from: '2026-01-01T00:00:00Z', price_per_kwh: price, currency: 'BYN' },
    }),
    201,
  );
}

export const report = (over: Record<string, unknown> = {}) => ({
  site: 'hydro-1',
  period_start: '2026-03-01T00:00:00Z',
  period_end: '2026-03-01T01:00:00Z',
  hashrate_ths: '100',
  energy_kwh: '2.5',
  uptime: '1',
  ...over,
});
