// Server-side render time of the console's overview on the demo year (the data `reserve demo`
// builds): the page's reads and its HTML, in-process through the real app with a signed-in session.
// Beside it, the ceiling measured in the same run: the same reads through the same doors, one after
// the other, with no session, no HTTP and no HTML (what the page could cost at best). Rounds
// alternate so that the machine's noise (2 shared cores) hits both alike.
// Must: median render under 100 ms (the figure). Printed: the render's ratio to the ceiling.
import { listAlerts, openAlertCounts } from '../../src/alerts/index.js';
import { holdingsReport } from '../../src/coins/index.js';
import { overviewData } from '../../src/console/index.js';
import { SYSTEM_ACTOR, type Ctx } from '../../src/context.js';
import { monthlyBalances, VAULT_PREFIX } from '../../src/ledger/index.js';
import { priceMarkAt } from '../../src/production/index.js';
import { buildReconciliation } from '../../src/reconciliation/index.js';
import { demoYearApp } from '../browser/demo.js';
import { consoleClient, signIn } from '../integration/console/helpers.js';
import { silentLog } from '../support/app.js';
import { machineLine, median, percentile, verdict } from './machine.js';

const ROUNDS = Number(process.env.CONSOLE_BENCH_ROUNDS ?? 5);
const PER_ROUND = Number(process.env.CONSOLE_BENCH_RUNS ?? 8);
const LIMIT_MS = 100;

const started = performance.now();
const demo = await demoYearApp();
console.log(
  `demo year built in ${((performance.now() - started) / 1000).toFixed(0)} s: ${demo.summary.payouts} payouts, ${demo.summary.reports} production reports`,
);
try {
  const client = consoleClient({ app: demo.app } as never);
  const signed = await signIn(client, demo.keys.officer);
  if (signed.status !== 303) throw new Error(`sign-in answered ${signed.status}`);
  const ctx: Ctx = { db: demo.database.db, actor: SYSTEM_ACTOR, requestId: 'bench', log: silentLog };
  const officer = { authorization: `Bearer ${demo.keys.officer}` };
  let bytes = 0;
  const render = async () => {
    const res = await client.get('/console');
    if (res.status !== 200) throw new Error(`/console answered ${res.status}`);
    bytes = res.text.length;
  };
  // The ceiling: the overview's reads alone (its doors, and the spends listing it shows).
  const reads = async () => {
    await overviewData(ctx, 'USD');
    for (const state of ['proposed', 'approved', 'signed'])
      await (await demo.app.request(`/v1/spends?limit=100&state=${state}`, { headers: officer })).text();
  };
  for (let i = 0; i < 3; i++) {
    await render(); // warm the statement caches and the JIT
    await reads();
  }
  const renders: number[] = [];
  const ceiling: number[] = [];
  const timed = async (fn: () => Promise<void>, into: number[]) => {
    for (let i = 0; i < PER_ROUND; i++) {
      const t0 = performance.now();
      await fn();
      into.push(performance.now() - t0);
    }
  };
  for (let round = 0; round < ROUNDS; round++) {
    await timed(render, renders);
    await timed(reads, ceiling);
  }
  // The same run's reference: the JSON holdings report, which values every receipt (the overview does not).
  const api: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await (await demo.app.request('/v1/reports/holdings', { headers: officer })).text();
    api.push(performance.now() - t0);
  }
  // Where the reads' time goes: each of the overview's reads alone, as overviewData makes it.
  const now = new Date();
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const month = {
    from: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))),
    to: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))),
  };
  const each: [string, () => Promise<unknown>][] = [
    ['holdingsReport (coins)', () => holdingsReport(ctx)],
    ['priceMarkAt (production)', () => priceMarkAt(ctx.db, 'USD', now)],
    [
      'monthlyBalances (ledger, the chart)',
      () => monthlyBalances(ctx, { accountPrefix: VAULT_PREFIX, commodity: 'BTC', to: now }),
    ],
    [
      "buildReconciliation (this month's summary)",
      () =>
        buildReconciliation(ctx, {
          ...month,
          granularity: 'month',
          missingPayoutDays: 2,
          reportingCurrency: 'USD',
          asOf: now,
        }),
    ],
    ['listAlerts state=open (alerts)', () => listAlerts(ctx, { state: 'open', limit: 5 })],
    ['openAlertCounts (alerts)', () => openAlertCounts(ctx)],
    [
      'GET /v1/spends x3 live states (spends)',
      async () => {
        for (const state of ['proposed', 'approved', 'signed'])
          await (await demo.app.request(`/v1/spends?limit=100&state=${state}`, { headers: officer })).text();
      },
    ],
  ];
  const breakdown: string[] = [];
  for (const [name, fn] of each) {
    const t: number[] = [];
    for (let i = 0; i < PER_ROUND * 2; i++) {
      const t0 = performance.now();
      await fn();
      t.push(performance.now() - t0);
    }
    breakdown.push(`  ${name.padEnd(44)} median ${median(t).toFixed(1)} ms, min ${Math.min(...t).toFixed(1)} ms`);
  }
  const mid = median(renders);
  const floor = median(ceiling);
  const sorted = [...renders].sort((a, b) => a - b);
  console.log(machineLine());
  console.log(`engine: ${demo.database.engine}; ${renders.length} renders of /console (${bytes} bytes of HTML)`);
  console.log(
    `overview render: median ${mid.toFixed(1)} ms, p95 ${percentile(renders, 95).toFixed(1)} ms, min ${sorted[0]!.toFixed(1)} ms`,
  );
  console.log(
    `ceiling (the same reads through the doors, no session, HTTP or HTML): median ${floor.toFixed(1)} ms, min ${Math.min(...ceiling).toFixed(1)} ms`,
  );
  console.log(`ratio: the render takes ${(mid / floor).toFixed(2)}x its reads`);
  console.log(`each read alone (${PER_ROUND * 2} runs each):\n${breakdown.join('\n')}`);
  console.log(`reference: GET /v1/reports/holdings median ${median(api).toFixed(1)} ms (5 runs)`);
  console.log(
    verdict(
      'overview render',
      mid < LIMIT_MS,
      `median ${mid.toFixed(1)} ms against the issue's limit of ${LIMIT_MS} ms`,
    ),
  );
  process.exitCode = mid < LIMIT_MS ? 0 : 1;
} finally {
  await demo.close();
}
