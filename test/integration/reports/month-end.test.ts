// Issue 13: the books tie out at every month end of the demo year (src/production/demo/year.ts,
// built once through the real API and webhook, the whole year loaded after the fact). At each
// month end, holdings, proof of reserves (confirmed total plus the unconfirmed listed apart), the
// UTXO export, the trial balance and the roll-forward's closing agree to the satoshi, per state
// too, and the roll-forward's closing value equals holdings' fair value as of its end to the cent.
// A payout that arrives late is in every report by valid time, and in none with known_at before it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoYearApp } from '../../browser/demo.js';
import { assertDeclaredResponse, declaredRoutes } from '../../support/validate.js';

let demo: Awaited<ReturnType<typeof demoYearApp>>;
let routes: ReturnType<typeof declaredRoutes>;
let beforeLate: Date;
let lateAt: Date;
const LATE_SAT = 12_345_678n;

async function get(path: string) {
  const res = await demo.app.request(path, { headers: { authorization: `Bearer ${demo.keys.auditor}` } });
  const text = await res.text();
  const ndjson = path.startsWith('/v1/exports/');
  const json = ndjson ? null : JSON.parse(text);
  assertDeclaredResponse(routes, 'GET', path.split('?')[0]!, { status: res.status, headers: res.headers, text, json });
  expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
  return { json, text };
}

/** The first instant of each month of the demo year and of the month after it. */
function monthEdges(from: string): Date[] {
  const start = new Date(`${from}T00:00:00Z`);
  return Array.from({ length: 13 }, (_, i) => new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + i, 1)));
}

/** Every report's satoshis (and the values) as of the end of [from, to). */
async function tieOut(from: Date, to: Date, knownAt?: Date) {
  const k = knownAt ? `&known_at=${knownAt.toISOString()}` : '';
  const asOf = new Date(to.getTime() - 1).toISOString();
  const holdings = (await get(`/v1/reports/holdings?as_of=${asOf}&currency=USD${k}`)).json;
  // Valued as of `to` itself: the mark a period closes at (no BTC entry is dated on the instant).
  const valued = (await get(`/v1/reports/holdings?as_of=${to.toISOString()}&currency=USD${k}`)).json;
  const proof = (await get(`/v1/reports/proof-of-reserves?as_of=${asOf}${k}`)).json;
  const lines = (await get(`/v1/exports/utxos?as_of=${asOf}${k}`)).text.trimEnd().split('\n');
  const manifest = JSON.parse(lines.at(-1)!).manifest;
  const trial = (await get(`/v1/ledger/trial-balance?as_of=${asOf}${k}`)).json;
  const rf = (await get(`/v1/reports/rollforward?from=${from.toISOString()}&to=${to.toISOString()}&currency=USD${k}`))
    .json;
  const vaults = trial.rows.filter((r: any) => r.commodity === 'BTC' && r.account.startsWith('Assets:Bitcoin:'));
  const byStatus = (status: string) =>
    holdings.holdings
      .filter((r: any) => r.status === status)
      .reduce((s: bigint, r: any) => s + BigInt(r.amount_sat), 0n);
  const trialStatus = (status: string) =>
    vaults
      .filter((r: any) => r.account.endsWith(`:${status[0]!.toUpperCase()}${status.slice(1)}`))
      .reduce((s: bigint, r: any) => s + BigInt(r.balance), 0n);
  return {
    sat: {
      holdings: BigInt(holdings.totals.amount_sat),
      holdings_at_to: BigInt(valued.totals.amount_sat),
      proof: BigInt(proof.total.amount_sat) + BigInt(proof.unconfirmed.amount_sat),
      utxo_export: BigInt(manifest.held_sat),
      trial_balance: vaults.reduce((s: bigint, r: any) => s + BigInt(r.balance), 0n),
      rollforward: BigInt(rf.closing.amount_sat),
    },
    states: {
      immature: [byStatus('immature'), BigInt(proof.total.immature_sat), trialStatus('immature')],
      available: [byStatus('available'), BigInt(proof.total.available_sat), trialStatus('available')],
      unconfirmed: [byStatus('unconfirmed'), BigInt(proof.unconfirmed.amount_sat), trialStatus('unconfirmed')],
    },
    proofCount: proof.total.utxos + proof.unconfirmed.utxos,
    proofHeight: proof.height as number,
    highestListed: Math.max(
      0,
      ...proof.addresses.flatMap((a: any) => a.utxos.map((u: any) => u.block_height as number)),
    ),
    exportCount: manifest.by_status
      .filter((s: any) => s.status !== 'orphaned' && s.status !== 'spent')
      .reduce((n: number, s: any) => n + s.count, 0),
    value: { holdings: valued.totals.fair_value, rollforward: rf.closing.value },
    marks: { holdings: valued.price_mark, rollforward: rf.closing_mark },
    rf,
  };
}

beforeAll(async () => {
  demo = await demoYearApp();
  routes = declaredRoutes(demo.app);
  // A payout of the nuclear site's missing month, reported only now (the fleet's link was down).
  const edges = monthEdges(demo.summary.from);
  const missing = edges.find((e) => e.getTime() > new Date(demo.summary.from).getTime() + 300 * 86_400_000)!;
  lateAt = new Date(missing.getTime() - 10 * 86_400_000 + 23 * 3_600_000);
  const res = await demo.app.request('/v1/policies/regtest-cold/addresses', {
    method: 'POST',
    headers: { authorization: `Bearer ${demo.keys.officer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ label: 'nuclear-ostrovets late payout', site: 'nuclear-ostrovets', purpose: 'pool payout' }),
  });
  expect(res.status).toBe(201);
  const address = ((await res.json()) as { address: string }).address;
  await new Promise((r) => setTimeout(r, 20));
  beforeLate = new Date();
  await new Promise((r) => setTimeout(r, 20));
  await demo.fleet({
    type: 'payout.received',
    timestamp: lateAt.toISOString(),
    data: {
      site_id: 'nuclear-ostrovets',
      pool: 'nuclear-ostrovets-pool',
      txid: 'ab'.repeat(32),
      vout: 0,
      address,
      amount_sat: LATE_SAT.toString(),
      coinbase: false,
    },
  });
}, 900_000);
afterAll(async () => demo?.close());

describe('the demo year ties out at every month end', () => {
  it('holdings, proof of reserves, UTXO export, trial balance and roll-forward agree to the satoshi and the cent', async () => {
    const edges = monthEdges(demo.summary.from);
    let previous: Awaited<ReturnType<typeof tieOut>> | null = null;
    let sawImmature = false;
    let sawMatured = false;
    for (let m = 0; m < 12; m++) {
      const t = await tieOut(edges[m]!, edges[m + 1]!);
      const label = edges[m]!.toISOString().slice(0, 7);
      const held = t.sat.holdings;
      expect(t.sat, label).toEqual({
        holdings: held,
        holdings_at_to: held,
        proof: held,
        utxo_export: held,
        trial_balance: held,
        rollforward: held,
      });
      for (const [state, [h, p, tb]] of Object.entries(t.states)) expect([p, tb], `${label} ${state}`).toEqual([h, h]);
      expect(t.proofCount, label).toBe(t.exportCount);
      expect(t.value.rollforward, label).toBe(t.value.holdings);
      expect(t.marks.rollforward, label).toEqual(t.marks.holdings);
      expect(t.rf.check.balanced, label).toBe(true);
      // The proof states the chain's height of then (near one block a day), not today's tip: every coin it
      // lists is in a block at or below it.
      expect(t.proofHeight, label).toBeGreaterThanOrEqual(t.highestListed);
      expect(t.proofHeight, label).toBeLessThanOrEqual(demo.summary.tipHeight);
      if (previous) {
        expect(t.rf.opening, label).toEqual(previous.rf.closing);
        expect(t.proofHeight - previous.proofHeight, label).toBeGreaterThanOrEqual(20);
      }
      sawImmature ||= t.states.immature[0]! > 0n;
      sawMatured ||= m > 0 && t.states.immature[0]! < (previous?.states.immature[0] ?? 0n);
      previous = t;
    }
    // The chain moved: coinbases were immature at some month end and matured at a later one.
    expect(sawImmature).toBe(true);
    expect(sawMatured).toBe(true);
    // At the year's end the last day's payouts are still unconfirmed, listed apart.
    expect(previous!.states.unconfirmed[1]).toBeGreaterThan(0n);
  }, 600_000);

  it('a late payout: in every report by valid time, in none with known_at before it was recorded', async () => {
    const edges = monthEdges(demo.summary.from);
    const m = edges.findIndex((e) => e > lateAt) - 1;
    const [from, to] = [edges[m]!, edges[m + 1]!];
    const now = await tieOut(from, to);
    const then = await tieOut(from, to, beforeLate);
    const after = await tieOut(from, to, new Date());
    for (const t of [now, then, after]) {
      const held = t.sat.holdings;
      expect(Object.values(t.sat)).toEqual(Object.values(t.sat).map(() => held));
      expect(t.value.rollforward).toBe(t.value.holdings);
    }
    expect(now.sat.holdings - then.sat.holdings).toBe(LATE_SAT);
    expect(after.sat).toEqual(now.sat);
    expect(now.states.unconfirmed[0]! - then.states.unconfirmed[0]!).toBe(LATE_SAT);
    expect(BigInt(now.rf.additions.amount_sat) - BigInt(then.rf.additions.amount_sat)).toBe(LATE_SAT);
    expect(then.rf.known_at).toBe(beforeLate.toISOString());
  }, 300_000);

  it('finding 3: the chain moves: payouts confirm and mature, solo coinbases mature after 100 blocks, proof of reserves counts what a node finds', async () => {
    const coins: any[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: unknown[]; next_cursor: string | null } = (
        await get(`/v1/utxos?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
      ).json;
      coins.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    const tip = (await get('/v1/chain/tip')).json;
    const count = (status: string, coinbase?: boolean) =>
      coins.filter((c) => c.status === status && (coinbase === undefined || c.coinbase === coinbase)).length;
    // A year of one block a day (and the solo site's) on a regtest chain from genesis, not 840,000.
    expect(tip.height).toBe(demo.summary.tipHeight);
    expect(tip.height).toBeGreaterThan(365);
    expect(tip.height).toBeLessThan(400);
    // Pool payouts confirmed in their day's block: all but the last day's (and the late one) are spendable.
    const payouts = coins.filter((c) => !c.coinbase);
    expect(count('available', false)).toBeGreaterThan(payouts.length * 0.99);
    for (const c of payouts.filter((p) => p.status === 'unconfirmed')) {
      expect(c.block_height, c.outpoint).toBeNull();
      expect(c.confirmations, c.outpoint).toBe(0);
    }
    expect(count('unconfirmed', false)).toBeLessThanOrEqual(demo.summary.sites.length + 1);
    // Solo coinbases: in blocks of the chain; mature exactly when 100 blocks deep; the orphaned one apart.
    const coinbases = coins.filter((c) => c.coinbase);
    expect(coinbases.length).toBe(demo.summary.soloBlocks);
    for (const c of coinbases) {
      if (c.status === 'orphaned') continue;
      const depth = tip.height - c.block_height + 1;
      expect(c.confirmations, c.outpoint).toBe(depth);
      expect(c.status, `${c.outpoint} at depth ${depth}`).toBe(depth >= 100 ? 'available' : 'immature');
    }
    expect(count('available', true)).toBeGreaterThan(0);
    expect(count('orphaned', true)).toBe(1);
    // Proof of reserves: what a node finds at its height (confirmed, not orphaned), immature and
    // available apart; unconfirmed coins listed apart and outside the total.
    const proof = (await get('/v1/reports/proof-of-reserves')).json;
    const sum = (list: any[]) => list.reduce((s: bigint, c: any) => s + BigInt(c.amount_sat), 0n);
    const inBlocks = coins.filter((c) => c.status === 'available' || c.status === 'immature');
    expect(proof.height).toBe(tip.height);
    expect(proof.total.utxos).toBe(inBlocks.length);
    expect(BigInt(proof.total.amount_sat)).toBe(sum(inBlocks));
    expect(BigInt(proof.total.immature_sat)).toBe(sum(coins.filter((c) => c.status === 'immature')));
    expect(BigInt(proof.total.available_sat)).toBe(sum(coins.filter((c) => c.status === 'available')));
    expect(BigInt(proof.unconfirmed.amount_sat)).toBe(sum(coins.filter((c) => c.status === 'unconfirmed')));
    const listed = proof.addresses.flatMap((a: any) => a.utxos);
    expect(listed).toHaveLength(inBlocks.length);
    for (const u of listed) expect(u.block_height, `${u.txid}:${u.vout}`).toBeLessThanOrEqual(tip.height);
  }, 120_000);
});
