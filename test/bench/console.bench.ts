// Server-side render time of the console's overview on the demo year (the data `reserve demo`
// builds): the page's reads and its HTML, in-process through the real app with a signed-in session.
// Prints the median and p95 of the renders, the machine, and PASS/FAIL against the 100 ms ceiling.
import { demoYearApp } from '../browser/demo.js';
import { consoleClient, signIn } from '../integration/console/helpers.js';
import { machineLine, median, percentile } from './machine.js';

const RUNS = Number(process.env.CONSOLE_BENCH_RUNS ?? 30);
const CEILING_MS = 100;

const started = performance.now();
const demo = await demoYearApp();
console.log(
  `demo year built in ${((performance.now() - started) / 1000).toFixed(0)} s: ${demo.summary.payouts} payouts, ${demo.summary.reports} production reports`,
);
try {
  const client = consoleClient({ app: demo.app } as never);
  const signed = await signIn(client, demo.keys.officer);
  if (signed.status !== 303) throw new Error(`sign-in answered ${signed.status}`);
  for (let i = 0; i < 3; i++) await client.get('/console'); // warm the statement caches and the JIT
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const res = await client.get('/console');
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`/console answered ${res.status}`);
    bytes = res.text.length;
  }
  // The same run's reference: the JSON holdings report, which values every receipt (the overview does not).
  const api: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const res = await demo.app.request('/v1/reports/holdings', {
      headers: { authorization: `Bearer ${demo.keys.officer}` },
    });
    await res.text();
    api.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = median(times);
  const p95 = percentile(times, 95);
  console.log(machineLine());
  console.log(`engine: ${demo.database.engine}; ${RUNS} renders of /console (${bytes} bytes of HTML)`);
  console.log(`overview render: median ${mid.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms`);
  console.log(`reference: GET /v1/reports/holdings median ${median(api).toFixed(1)} ms (5 runs)`);
  console.log(
    `${mid < CEILING_MS ? 'PASS' : 'FAIL'}: median ${mid.toFixed(1)} ms against the ceiling of ${CEILING_MS} ms`,
  );
  process.exitCode = mid < CEILING_MS ? 0 : 1;
} finally {
  await demo.close();
}
