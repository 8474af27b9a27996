// Every alert kind the data can produce, raised by the code where the fact happens, listed and
// filtered through GET /v1/alerts (each answer checked against its kind's schema by the harness),
// acknowledged once by an officer, and append-only in the database whoever writes.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPayoutSilence } from '../../../src/alerts/index.js';
import { siteActivity } from '../../../src/business-readings.js';
import { RegtestChain } from '../../support/chain.js';
import { payoutReceived, ROTATED_SECRET } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';
import { expectOk } from '../production/helpers.js';

let t: FleetApp;
const chain = RegtestChain.fromGenesis();
beforeAll(async () => {
  t = await createFleetApp();
});
afterAll(async () => t?.close());

async function alertsOf(query: string, key = t.keys.auditor) {
  const r = await t.request('GET', `/v1/alerts${query}`, { key });
  expect(r.status, r.text).toBe(200);
  return r.json.items as any[];
}

describe('alerts raised where the fact happens', () => {
  it('block.orphaned: a reorg orphans a booked coinbase, with its amount', async () => {
    const addr = t.addresses[0]!;
    const base = chain.mine();
    const old = chain.mine({ tag: 'old', payTo: [{ script: addr.script, valueSat: 317_000_000n }] });
    await t.connect([base, old]);
    const cb = old.txs[0]!;
    const paid = await t.send(
      payoutReceived({
        site_id: 'dam-1',
        pool: 'own',
        txid: cb.getId(),
        vout: 0,
        address: addr.address,
        amount_btc: '3.17',
        coinbase: true,
        block_height: old.height,
        block_hash: old.hash,
        raw_tx_hex: cb.toHex(),
      }),
    );
    expect(paid.status, paid.text).toBe(200);
    expect(await alertsOf('?kind=block.orphaned')).toEqual([]);
    await t.connect(chain.fork(base).mineMany(2, () => ({ tag: 'new' })));
    const [alert, ...more] = await alertsOf('?kind=block.orphaned');
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      kind: 'block.orphaned',
      severity: 'critical',
      state: 'open',
      acknowledgement: null,
      details: {
        outpoint: `${cb.getId()}:0`,
        block_hash: old.hash,
        block_height: old.height,
        policy_id: 'regtest-cold',
        site_id: 'dam-1',
        amount_sat: '317000000',
      },
    });
    expect(alert.message).toContain('3.17');
  });

  it('webhook.signature_failures: the 10th refused signature within 300 s raises one alert, not 11', async () => {
    for (let i = 0; i < 9; i++) expect((await t.send({ type: 'x' }, { secret: ROTATED_SECRET })).status).toBe(401);
    expect(await alertsOf('?kind=webhook.signature_failures')).toEqual([]);
    for (let i = 0; i < 2; i++) expect((await t.send({ type: 'x' }, { secret: ROTATED_SECRET })).status).toBe(401);
    const alerts = await alertsOf('?kind=webhook.signature_failures');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'warning', details: { failures: 10, window_seconds: 300 } });
    expect(alerts[0].details.last_reason).toMatch(/signature/i);
  });

  it('site.payouts_missing: a site silent for N days, once while open; a paid site is not', async () => {
    const sites = await siteActivity(t.database.db);
    const paid = sites.find((s) => s.site_id === 'dam-1')!;
    expect(paid.last_payout_at).not.toBeNull();
    const now = new Date(Date.now() + 2 * 86_400_000);
    // Two days on, nothing is three days silent.
    expect(await checkPayoutSilence(t.ctx(), { sites, days: 3, now })).toEqual([]);
    const later = new Date(Date.now() + 4 * 86_400_000);
    const raised = await checkPayoutSilence(t.ctx(), { sites, days: 3, now: later });
    expect(raised).toHaveLength(sites.length);
    expect(await checkPayoutSilence(t.ctx(), { sites, days: 3, now: later })).toEqual([]); // still open
    const dam = (await alertsOf('?kind=site.payouts_missing')).find((a) => a.details.site_id === 'dam-1');
    expect(dam.details).toEqual({
      site_id: 'dam-1',
      days: 3,
      last_payout_at: paid.last_payout_at!.toISOString(),
      checked_at: later.toISOString(),
    });
    const never = (await alertsOf('?kind=site.payouts_missing')).find((a) => a.details.site_id === 'gas-2');
    expect(never.details.last_payout_at).toBeNull();
    expect(never.message).toContain('never');
  });

  it('reconciliation.underpayment: 5,000 sat paid of 6,357 expected (FPPS, 1% tolerance) is 21.35% short', async () => {
    const site = 'fpps-under';
    await expectOk(
      t.request('POST', '/v1/sites', {
        body: {
          id: site,
          name: site,
          region: 'Minsk',
          energy_source: 'hydro',
          pool: { kind: 'pool', scheme: 'fpps', fee_rate: '0.02' },
          energy_supplier: 'belenergo',
        },
      }),
      201,
    );
    await expectOk(
      t.request('POST', `/v1/sites/${site}/tariffs`, {
        body: { effective_from: '2026-01-01T00:00:00Z', price_per_kwh: '0.10', currency: 'BYN' },
      }),
      201,
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
    const reports = Array.from({ length: 24 }, (_, h) => ({
      site,
      period_start: `2026-03-01T${String(h).padStart(2, '0')}:00:00Z`,
      period_end: h === 23 ? '2026-03-02T00:00:00Z' : `2026-03-01T${String(h + 1).padStart(2, '0')}:00:00Z`,
      hashrate_ths: '100',
      energy_kwh: '100',
      uptime: '1',
    }));
    await expectOk(t.request('POST', '/v1/production', { body: { reports } }));
    const addr = t.addresses[3]!;
    const { paymentTx } = await import('../../support/regtest.js');
    const tx = paymentTx([{ script: addr.script, valueSat: 5000n }], 4242);
    const paid = await t.send(
      payoutReceived(
        {
          site_id: site,
          pool: 'p',
          txid: tx.getId(),
          vout: 0,
          address: addr.address,
          amount_sat: '5000',
          coinbase: false,
          raw_tx_hex: tx.toHex(),
        },
        '2026-03-02T01:00:00Z',
      ),
    );
    expect(paid.status, paid.text).toBe(200);
    const march = `/v1/reconciliation?from=2026-03-01&to=2026-04-01&granularity=month&site_id=${site}`;
    for (let i = 0; i < 2; i++) expect((await t.request('GET', march, { key: t.keys.auditor })).status).toBe(200);
    const alerts = await alertsOf('?kind=reconciliation.underpayment');
    expect(alerts).toHaveLength(1); // the second reconciliation found it open
    // 100 TH/s for a day at difficulty 1e14 and 3.225 BTC a block: 6487.59 sat, less 2% fee: 6357 sat.
    expect(alerts[0].details).toEqual({
      site_id: site,
      pool: 'fpps',
      period_start: '2026-03-01T00:00:00.000Z',
      period_end: '2026-04-01T00:00:00.000Z',
      expected_sat: '6357',
      actual_sat: '5000',
      shortfall_percent: '21.35',
      tolerance_percent: '1',
    });
  });

  it('ledger.verify_failed: a rewritten entry makes GET /v1/ledger/verify fail and raise one alert', async () => {
    const db = t.database.db;
    await db.execute(sql`alter table ledger_entries disable trigger ledger_entries_append_only`);
    try {
      await db.execute(sql`update ledger_entries set description = 'rewritten' where seq = 2`);
    } finally {
      await db.execute(sql`alter table ledger_entries enable trigger ledger_entries_append_only`);
    }
    for (let i = 0; i < 2; i++) {
      const r = await t.request('GET', '/v1/ledger/verify', { key: t.keys.auditor });
      expect(r.json.ok).toBe(false);
    }
    const alerts = await alertsOf('?kind=ledger.verify_failed');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'critical', details: { seq: '2' } });
    expect(alerts[0].details.reason).toContain('hash mismatch');
  });

  it('transparency.checkpoint_refused: a witness reports its refusal (auditors only)', async () => {
    const body = { checkpoint_size: '12', witness: 'witness-a', reason: 'the log shrank: size 12 after 40' };
    const denied = await t.request('POST', '/v1/transparency/refusals', { key: t.keys.officer, body });
    expect(denied.status).toBe(403);
    const r = await t.request('POST', '/v1/transparency/refusals', { key: t.keys.auditor, body });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ kind: 'transparency.checkpoint_refused', severity: 'critical', details: body });
    const again = await t.request('POST', '/v1/transparency/refusals', { key: t.keys.auditor, body });
    expect(again.json.id).toBe(r.json.id);
    const bad = await t.request('POST', '/v1/transparency/refusals', {
      key: t.keys.auditor,
      body: { ...body, checkpoint_size: 'twelve' },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].field).toBe('checkpoint_size');
  });
});

describe('listing, acknowledging, and the database guards', () => {
  it('filters by kind, severity and state and pages with a cursor', async () => {
    const all = await alertsOf('?limit=1000');
    const critical = await alertsOf('?severity=critical&limit=1000');
    expect(critical.length).toBeGreaterThan(0);
    expect(critical.every((a) => a.severity === 'critical')).toBe(true);
    expect(critical.map((a) => a.id)).toEqual(all.filter((a) => a.severity === 'critical').map((a) => a.id));
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await t.request('GET', `/v1/alerts?limit=3${cursor ? `&cursor=${cursor}` : ''}`, {
        key: t.keys.auditor,
      });
      pages.push(...r.json.items.map((a: any) => a.id));
      cursor = r.json.next_cursor;
    } while (cursor);
    expect(pages).toEqual(all.map((a) => a.id));
    const unknown = await t.request('GET', '/v1/alerts?kind=nonsense', { key: t.keys.auditor });
    expect(unknown.status).toBe(422);
    expect(unknown.json.errors[0].field).toBe('query.kind');
    const old = await t.request('GET', '/v1/alerts?acknowledged=true', { key: t.keys.auditor });
    expect(old.status).toBe(422);
  });

  it('an officer acknowledges once with a note; state moves to acknowledged; others may not', async () => {
    const [target] = await alertsOf('?kind=block.orphaned&state=open');
    const path = `/v1/alerts/${target.id}/acknowledgements`;
    const note = 'pool operator told; coinbase lost to the reorg at the next height';
    expect((await t.request('POST', path, { key: t.keys.auditor, body: { note } })).status).toBe(403);
    expect((await t.request('POST', path, { key: t.keys.approver, body: { note } })).status).toBe(403);
    const blank = await t.request('POST', path, { key: t.keys.officer, body: { note: '   ' } });
    expect(blank.status).toBe(422);
    expect(blank.json.errors[0].field).toBe('note');
    const r = await t.request('POST', path, { key: t.keys.officer, body: { note } });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({
      id: target.id,
      state: 'acknowledged',
      acknowledgement: { note, by: 'test officer' },
    });
    const twice = await t.request('POST', path, { key: t.keys.officer, body: { note: 'again' } });
    expect(twice.status).toBe(409);
    expect((await t.request('GET', `/v1/alerts/${target.id}`, { key: t.keys.auditor })).json.acknowledgement.note).toBe(
      note,
    );
    expect((await alertsOf('?state=open&limit=1000')).map((a) => a.id)).not.toContain(target.id);
    expect((await alertsOf('?state=acknowledged')).map((a) => a.id)).toEqual([target.id]);
    const missing = await t.request('POST', '/v1/alerts/alr_00000000000000000000/acknowledgements', {
      key: t.keys.officer,
      body: { note },
    });
    expect(missing.status).toBe(404);
    const audit = await t.request('GET', '/v1/audit-log?limit=1000', { key: t.keys.auditor });
    expect(audit.json.items.some((e: any) => e.action === 'alerts.acknowledge' && e.target === target.id)).toBe(true);
  });

  it('the database refuses to change or remove an alert or an acknowledgement, and a second acknowledgement', async () => {
    const db = t.database.db;
    const [acked] = await alertsOf('?state=acknowledged');
    const refusals = [
      sql`update alert_acknowledgements set note = 'nothing happened' where alert_id = ${acked.id}`,
      sql`delete from alert_acknowledgements where alert_id = ${acked.id}`,
      sql`truncate alert_acknowledgements`,
      sql`insert into alert_acknowledgements (alert_id, note, actor_name) values (${acked.id}, 'second', 'x')`,
      sql`insert into alert_acknowledgements (alert_id, note, actor_name) values ('alr_missing', 'ghost', 'x')`,
      sql`update alerts set severity = 'info' where id = ${acked.id}`,
      sql`delete from alerts where id = ${acked.id}`,
    ];
    for (const statement of refusals) await expect(db.execute(statement)).rejects.toThrow();
    const again = await t.request('GET', `/v1/alerts/${acked.id}`, { key: t.keys.auditor });
    expect(again.json).toEqual(acked);
  });
});
