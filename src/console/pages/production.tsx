/** @jsxImportSource hono/jsx */
// Production and reconciliation by site and month: expected vs actual BTC (chart and table), the
// flags with their reasons, energy cost, cost per BTC and break-even; the same CSV as the API.
import { stringify } from 'csv-stringify/sync';
import type { Hono } from 'hono';
import { Btc, Chart, Empty, Fiat, Layout, type PageContext } from '../layout.js';
import { formatDecimal } from '../format.js';
import { buildReconciliation, listSites, reconciliationCsvRecords } from '../ports.js';
import { type ConsoleEnv, ConsoleRefusal, type ConsoleOptions, needPage } from '../router.js';
import { dayParam, monthStart, satText, sumSat } from './util.js';

type Report = Awaited<ReturnType<typeof buildReconciliation>>;

function rangeOf(q: Record<string, string>, now = new Date()) {
  for (const name of ['from', 'to'] as const)
    if (q[name] && !dayParam(q[name])) throw new ConsoleRefusal(422, 'Bad date', `${name} must be a day, YYYY-MM-DD`);
  const end = monthStart(now);
  const to = dayParam(q.to) ?? end.toISOString().slice(0, 10);
  const from =
    dayParam(q.from) ?? new Date(Date.UTC(end.getUTCFullYear() - 1, end.getUTCMonth(), 1)).toISOString().slice(0, 10);
  if (from >= to) throw new ConsoleRefusal(422, 'Bad range', 'from must be before to');
  return { from, to, site: q.site || undefined };
}

export function productionRoutes(app: Hono<ConsoleEnv>, options: ConsoleOptions) {
  const report = (c: { var: ConsoleEnv['Variables'] }, range: ReturnType<typeof rangeOf>) =>
    buildReconciliation(c.var.ctx, {
      from: range.from,
      to: range.to,
      siteId: range.site,
      granularity: 'month',
      missingPayoutDays: 2,
      reportingCurrency: options.reportingCurrency,
      asOf: new Date(),
    });

  app.get('/production', needPage('production'), async (c) => {
    const range = rangeOf(c.req.query());
    const [r, sites] = await Promise.all([report(c, range), listSites(c.var.ctx.tx ?? c.var.ctx.db)]);
    return c.html(
      <ProductionPage ctx={c.var.page} report={r} site={range.site ?? ''} sites={sites.map((s) => s.id)} />,
    );
  });

  app.get('/production.csv', needPage('production'), async (c) => {
    const range = rangeOf(c.req.query());
    const r = await report(c, range);
    return c.body(stringify(reconciliationCsvRecords(r)), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="reconciliation-${range.from}-${range.to}.csv"`,
    });
  });
}

function byMonth(report: Report) {
  const months = new Map<string, { expected: bigint; actual: bigint; start: string }>();
  for (const r of report.rows) {
    const m = months.get(r.period) ?? { expected: 0n, actual: 0n, start: r.period_start };
    m.expected += BigInt(r.expected_sat);
    m.actual += BigInt(r.actual_sat);
    months.set(r.period, m);
  }
  return [...months].sort(([a], [b]) => a.localeCompare(b));
}

function ProductionPage(props: { ctx: PageContext; report: Report; site: string; sites: string[] }) {
  const r = props.report;
  const cur = r.reporting_currency;
  const csv = `/console/production.csv?${new URLSearchParams({ from: r.from, to: r.to, ...(props.site ? { site: props.site } : {}) })}`;
  const flagged = r.rows.filter((row) => row.flags.length > 0);
  return (
    <Layout ctx={props.ctx} page="production" title="Production and reconciliation">
      <form method="get" action="/console/production" class="filters">
        <fieldset class="grid">
          <label>
            From (UTC day)
            <input type="date" name="from" value={r.from} />
          </label>
          <label>
            To (exclusive)
            <input type="date" name="to" value={r.to} />
          </label>
          <label>
            Site
            <select name="site">
              <option value="">all</option>
              {props.sites.map((s) => (
                <option value={s} selected={s === props.site}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
        <button type="submit" class="secondary">
          Show
        </button>{' '}
        <a href={csv} class="btn" download>
          Download CSV
        </a>
      </form>
      {r.rows.length === 0 ? (
        <Empty>
          No production in this range: sites report with <code>POST /v1/production</code> or{' '}
          <code>production.reported</code> on the fleet webhook, and pools pay to addresses issued on the Vaults page.
        </Empty>
      ) : (
        <>
          <Chart id="reconciliation" label="Expected vs actual BTC per month, all sites shown (UTC months)">
            <table class="striped chart-data">
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col" class="r" data-series="Expected BTC">
                    Expected BTC
                  </th>
                  <th scope="col" class="r" data-series="Actual BTC">
                    Actual BTC
                  </th>
                </tr>
              </thead>
              <tbody>
                {byMonth(r).map(([period, m]) => (
                  <tr>
                    <td data-t={String(Date.parse(m.start) / 1000)}>{period}</td>
                    <td class="r" data-v={satText(m.expected)}>
                      <Btc value={satText(m.expected)} unit={false} />
                    </td>
                    <td class="r" data-v={satText(m.actual)}>
                      <Btc value={satText(m.actual)} unit={false} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Chart>
          <h2>By site and month</h2>
          <p>
            Totals: expected <Btc value={satText(sumSat(r.rows.map((x) => x.expected_sat)))} />, actual{' '}
            <Btc value={satText(sumSat(r.rows.map((x) => x.actual_sat)))} />.
          </p>
          <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
            <table class="striped" id="reconciliation-table">
              <thead>
                <tr>
                  <th scope="col">Site</th>
                  <th scope="col">Month</th>
                  <th scope="col" class="r">
                    Expected
                  </th>
                  <th scope="col" class="r">
                    Actual
                  </th>
                  <th scope="col" class="r">
                    Variance
                  </th>
                  <th scope="col" class="r">
                    Energy cost
                  </th>
                  <th scope="col" class="r">
                    Cost per BTC
                  </th>
                  <th scope="col" class="r">
                    Break-even price
                  </th>
                  <th scope="col">Flags</th>
                </tr>
              </thead>
              <tbody>
                {r.rows.map((row) => (
                  <tr>
                    <td>{row.site}</td>
                    <td>{row.period}</td>
                    <td class="r">
                      <Btc value={row.expected_btc} unit={false} />
                    </td>
                    <td class="r">
                      <Btc value={row.actual_btc} unit={false} />
                    </td>
                    <td class="r">{row.variance_pct === null ? '—' : `${formatDecimal(row.variance_pct)} %`}</td>
                    <td class="r">
                      <Fiat amount={row.energy_cost_reporting.amount} currency={cur} />
                    </td>
                    <td class="r">
                      <Fiat amount={row.production_cost_per_btc} currency={cur} />
                    </td>
                    <td class="r">
                      <Fiat amount={row.break_even_btc_price} currency={cur} />
                    </td>
                    <td>{row.flags.map((f) => f.code).join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <h2>Flags and their reasons</h2>
          {flagged.length === 0 ? (
            <Empty>No flags: every site was paid within its tolerance of what its work should have earned.</Empty>
          ) : (
            <ul id="flags">
              {flagged.flatMap((row) =>
                row.flags.map((f) => (
                  <li>
                    <strong>
                      {row.site} {row.period}: {f.code}
                    </strong>{' '}
                    {f.detail}
                  </li>
                )),
              )}
            </ul>
          )}
        </>
      )}
    </Layout>
  );
}
