/** @jsxImportSource hono/jsx */
// Overview: what the reserve holds and what it is worth, how holdings moved over the year, this
// month's production against expectation, and the open alerts.
import type { Ctx } from '../../context.js';
import { currencyPlaces, Dec } from '../../money/fiat.js';
import { Btc, Chart, Empty, Fiat, Layout, type PageContext, Time } from '../layout.js';
import { formatBtc } from '../format.js';
import {
  buildReconciliation,
  holdingsReport,
  listAlerts,
  type MonthlyBalance,
  openAlertCounts,
  monthlyBalances,
  priceMarkAt,
  toAlertView,
  toPriceMarkView,
  VAULT_PREFIX,
} from '../ports.js';
import { monthStart, nextMonth, satText, sumSat } from './util.js';
import { WaitingOnYou, type WaitingSpend } from './waiting.js';

const STATES = ['available', 'immature', 'unconfirmed', 'locked'] as const;
const ALERTS_SHOWN = 5;

/**
 * The overview's reads. Amounts are the ledger balances beside the UTXO set (the coins door's
 * holdingsReport, which GET /v1/reports/holdings also returns for the current holdings); the value
 * is each row at the latest price mark, rounded per row and summed as valueHoldings does. The chart
 * reads the ledger's monthly balances (one grouped query), not its entries. The full valuation
 * (value at receipt, production cost) is on the Reports page: it walks every entry.
 */
export async function overviewData(ctx: Ctx, currency: string, now = new Date()) {
  const [report, mark, monthly, month, alerts, openCounts] = await Promise.all([
    holdingsReport(ctx),
    priceMarkAt(ctx.tx ?? ctx.db, currency, now),
    monthlyBalances(ctx, { accountPrefix: VAULT_PREFIX, commodity: 'BTC', to: now }),
    productionMonth(ctx, currency, now),
    // Open only: an acknowledged alert has been dealt with (GET /v1/alerts?state=open reads the same).
    listAlerts(ctx, { state: 'open', limit: ALERTS_SHOWN }),
    openAlertCounts(ctx),
  ]);
  const places = currencyPlaces(currency);
  const fair = (sat: string) => (mark ? mark.price.mul(sat).div(100_000_000).toFixed(places) : null);
  const rows = report.holdings.map((h) => ({ ...h, fair_value: fair(h.amount_sat) }));
  const fairTotal = mark ? rows.reduce((s, r) => s.add(r.fair_value!), new Dec(0)).toFixed(places) : null;
  const yearAgo = new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 1));
  return {
    holdings: {
      currency,
      price_mark: mark ? toPriceMarkView(mark) : null,
      holdings: rows,
      total_btc: report.total_btc,
      total_sat: report.total_sat,
      fair_value: fairTotal,
      check: report.check,
    },
    series: monthlyTotals(monthly, yearAgo, now),
    month,
    alerts: {
      shown: alerts.slice(0, ALERTS_SHOWN).map(toAlertView),
      open: Object.values(openCounts).reduce((n, c) => n + c, 0),
      bySeverity: openCounts,
    },
  };
}

/**
 * Holdings at the end of each month from `from` to now: every vault account's movements of the
 * months before each end, summed (a payout booked at the earlier period it pays for counts there).
 */
function monthlyTotals(monthly: MonthlyBalance[], from: Date, now: Date) {
  const byMonth = new Map<string, bigint>();
  for (const m of monthly) byMonth.set(m.month, (byMonth.get(m.month) ?? 0n) + (m.change as bigint)); // BTC: satoshis
  const months = [...byMonth.keys()].sort();
  const ends: Date[] = [];
  for (let m = nextMonth(from); m < now; m = nextMonth(m)) ends.push(m);
  ends.push(now);
  const out: { at: Date; sat: bigint }[] = [];
  let total = 0n;
  let i = 0;
  for (const end of ends) {
    // The last end is now: every month so far (the read stops at now).
    const before = end === now ? '9999-12' : end.toISOString().slice(0, 7);
    for (; i < months.length && months[i]! < before; i++) total += byMonth.get(months[i]!)!;
    out.push({ at: end, sat: total });
  }
  return out;
}

/** This month's production against expectation (null before the month's first report). */
async function productionMonth(ctx: Ctx, currency: string, now: Date) {
  const places = currencyPlaces(currency);
  {
    const start = monthStart(now);
    const from = start.toISOString().slice(0, 10);
    const to = nextMonth(start).toISOString().slice(0, 10);
    const report = await buildReconciliation(ctx, {
      from,
      to,
      granularity: 'month',
      missingPayoutDays: 2,
      reportingCurrency: currency,
      asOf: now,
    });
    if (report.rows.length === 0) return null;
    const expected = sumSat(report.rows.map((r) => r.expected_sat));
    const actual = sumSat(report.rows.map((r) => r.actual_sat));
    const costs = report.rows.map((r) => r.energy_cost_reporting.amount);
    const cost = costs.some((c) => c === null) ? null : costs.reduce((s, c) => s.add(c!), new Dec(0));
    const perBtc = cost && actual > 0n ? cost.mul(100_000_000).div(actual.toString()) : null;
    return {
      from,
      to,
      expected,
      actual,
      cost: cost?.toFixed(places) ?? null,
      perBtc: perBtc?.toFixed(places) ?? null,
    };
  }
}

export type OverviewData = Awaited<ReturnType<typeof overviewData>>;

export function OverviewPage(props: { ctx: PageContext; data: OverviewData; waiting: WaitingSpend[] }) {
  const { holdings, series, month, alerts } = props.data;
  const cur = holdings.currency;
  const mark = holdings.price_mark;
  const byState = STATES.map((s) => ({
    state: s,
    sat: sumSat(holdings.holdings.filter((h) => h.status === s).map((h) => h.amount_sat)),
  }));
  return (
    <Layout ctx={props.ctx} page="overview" title="Overview">
      <section class="grid figures" aria-label="Totals">
        <article>
          <header>Total held</header>
          <p class="big" id="total-btc">
            <Btc value={holdings.total_btc} />
          </p>
          <p>
            {holdings.check.ledger_equals_utxo_set === false ? (
              <strong class="error">
                The ledger and the UTXO set disagree: {holdings.check.mismatches.join('; ')}
              </strong>
            ) : (
              <small>The ledger equals the UTXO set.</small>
            )}
          </p>
        </article>
        <article>
          <header>Value at the latest mark</header>
          <p class="big" id="total-value">
            <Fiat amount={holdings.fair_value} currency={cur} />
          </p>
          {mark ? (
            <p>
              <small>
                at <Fiat amount={mark.price} currency={cur} /> per BTC, marked <Time at={mark.at} /> by {mark.source}
              </small>
            </p>
          ) : (
            <Empty>No price mark yet: post BTC prices to /v1/prices (reserve demo does) to value the holdings.</Empty>
          )}
        </article>
      </section>

      <section aria-labelledby="by-state">
        <h2 id="by-state">By state</h2>
        <div class="grid figures">
          {byState.map((s) => (
            <article>
              <header>{s.state}</header>
              <p class="mid">
                <Btc value={satText(s.sat)} />
              </p>
            </article>
          ))}
        </div>
      </section>

      <section aria-labelledby="by-vault">
        <h2 id="by-vault">By vault</h2>
        {holdings.holdings.length === 0 ? (
          <Empty>
            Nothing held yet: issue a receive address on the <a href="/console/vaults">Vaults</a> page and point the
            fleet's webhook at <code>/v1/webhooks/fleet</code>.
          </Empty>
        ) : (
          <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
            <table class="striped" id="holdings">
              <thead>
                <tr>
                  <th scope="col">Vault</th>
                  <th scope="col">State</th>
                  <th scope="col">Coins</th>
                  <th scope="col" class="r">
                    Amount
                  </th>
                  <th scope="col" class="r">
                    Value
                  </th>
                </tr>
              </thead>
              <tbody>
                {holdings.holdings.map((h) => (
                  <tr>
                    <td>
                      <a href={`/console/vaults/${h.policy_id}`}>{h.policy_id}</a>
                    </td>
                    <td>{h.status}</td>
                    <td class="r">{String(h.utxo_count)}</td>
                    <td class="r">
                      <Btc value={h.amount_btc} />
                    </td>
                    <td class="r">
                      <Fiat amount={h.fair_value} currency={cur} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </section>

      <section aria-labelledby="over-time">
        <h2 id="over-time">Holdings over time</h2>
        <Chart id="holdings" label="BTC held at the end of each month (UTC)">
          <table class="striped chart-data">
            <thead>
              <tr>
                <th scope="col">Month end</th>
                <th scope="col" class="r" data-series="BTC held">
                  BTC held
                </th>
              </tr>
            </thead>
            <tbody>
              {series.map((p) => (
                <tr>
                  <td data-t={String(Math.floor(p.at.getTime() / 1000))}>
                    <Time at={p.at} />
                  </td>
                  <td class="r" data-v={formatBtcPlain(p.sat)}>
                    {formatBtc(p.sat)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Chart>
      </section>

      <section aria-labelledby="month">
        <h2 id="month">Production {month ? `${month.from} to ${month.to} (exclusive)` : 'this month'}</h2>
        {month ? (
          <div class="grid figures">
            <article>
              <header>Actual / expected</header>
              <p class="mid">
                <Btc value={satText(month.actual)} /> / <Btc value={satText(month.expected)} />
              </p>
            </article>
            <article>
              <header>Energy cost</header>
              <p class="mid">
                <Fiat amount={month.cost} currency={cur} />
              </p>
            </article>
            <article>
              <header>Cost per BTC vs price</header>
              <p class="mid">
                <Fiat amount={month.perBtc} currency={cur} /> vs <Fiat amount={mark?.price} currency={cur} />
              </p>
            </article>
          </div>
        ) : (
          <Empty>
            No production reported this month yet: sites post reports to <code>/v1/production</code> or as{' '}
            <code>production.reported</code> events on the fleet webhook. Earlier months are on the Production page.
          </Empty>
        )}
        <p>
          <a href="/console/production">Production and reconciliation by site and month</a>
        </p>
      </section>

      {props.ctx.spends && <WaitingOnYou waiting={props.waiting} />}

      <OpenAlerts alerts={alerts} />
    </Layout>
  );
}

const formatBtcPlain = (sat: bigint) => satText(sat);

/** The newest open alerts and how many are open by severity; acknowledged ones are not shown. */
function OpenAlerts(props: { alerts: OverviewData['alerts'] }) {
  const { shown, open, bySeverity } = props.alerts;
  const counts = Object.entries(bySeverity)
    .filter(([, n]) => n > 0)
    .map(([severity, n]) => `${n} ${severity}`)
    .join(', ');
  return (
    <section aria-labelledby="alerts">
      <h2 id="alerts">Open alerts</h2>
      {open === 0 ? (
        <Empty>
          No open alerts. Reserve raises one when a vault coin moves without a spend or the books disagree; an officer
          acknowledges it with a note through <code>POST /v1/alerts/{'{id}'}/acknowledgements</code>.
        </Empty>
      ) : (
        <>
          <p id="open-alerts">
            {String(open)} open ({counts}){open > shown.length ? `; the newest ${shown.length} are shown` : ''}.
          </p>
          <ul>
            {shown.map((a) => (
              <li data-alert={a.id}>
                <strong>{a.severity}</strong> <Time at={a.created_at} />: {a.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
