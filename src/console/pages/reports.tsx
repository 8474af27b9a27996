/** @jsxImportSource hono/jsx */
// Reports: holdings as of a date, the roll-forward of a period, proof of reserves. Each prints as
// a clean A4 page: a fixed footer (repeated by the browser on every printed page) carries the date
// and the ledger head hash; the page number comes from the print stylesheet's @page margin box.
import type { Child } from 'hono/jsx';
import type { Hono } from 'hono';
import { Btc, Empty, Fiat, Layout, type PageContext, SubNav, Time } from '../layout.js';
import { holdingsValued, proofOfReserves, rollForward, verifyLedger } from '../ports.js';
import { type ConsoleEnv, ConsoleRefusal, type ConsoleOptions, needPage } from '../router.js';
import { dayParam, monthStart } from './util.js';

const endOfDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000 - 1);

function PrintFooter(props: { head: { ok: boolean; head_hash?: string; reason?: string } }) {
  const now = new Date();
  return (
    <footer class="print-only print-footer">
      Printed <Time at={now} /> · ledger head{' '}
      {props.head.ok ? <code>{props.head.head_hash}</code> : `unverified (${props.head.reason})`}
    </footer>
  );
}

async function headOf(c: { var: ConsoleEnv['Variables'] }) {
  const v = await verifyLedger(c.var.ctx);
  return v.ok ? { ok: true, head_hash: v.head_hash } : { ok: false, reason: v.reason };
}

function ReportsNav(props: { here: string }) {
  const links = [
    ['/console/reports/holdings', 'Holdings as of'],
    ['/console/reports/rollforward', 'Roll-forward'],
    ['/console/reports/proof-of-reserves', 'Proof of reserves'],
  ] as const;
  return <SubNav label="Reports" links={links} here={props.here} class="no-print" />;
}

function ReportPage(props: {
  ctx: PageContext;
  title: string;
  here: string;
  head: Awaited<ReturnType<typeof headOf>>;
  children: Child;
}) {
  return (
    <Layout ctx={props.ctx} page="reports" title={props.title} print={<PrintFooter head={props.head} />}>
      <ReportsNav here={props.here} />
      {props.children}
      <p class="no-print">
        <small>Print this page (Ctrl-P) for an A4 copy with the date, the ledger head hash and page numbers.</small>
      </p>
    </Layout>
  );
}

export function reportRoutes(app: Hono<ConsoleEnv>, options: ConsoleOptions) {
  const currency = options.reportingCurrency;
  app.get('/reports', needPage('reports'), (c) => c.redirect('/console/reports/holdings', 303));

  app.get('/reports/holdings', needPage('reports'), async (c) => {
    const day = c.req.query('as_of') || undefined;
    if (day && !dayParam(day)) throw new ConsoleRefusal(422, 'Bad date', 'as_of must be a day, YYYY-MM-DD');
    const [h, head] = await Promise.all([
      holdingsValued(c.var.ctx, { asOf: day ? endOfDay(day) : null, currency }),
      headOf(c),
    ]);
    return c.html(
      <ReportPage ctx={c.var.page} title="Holdings" here="/console/reports/holdings" head={head}>
        <form method="get" action="/console/reports/holdings" class="filters no-print">
          <label>
            As of the end of (UTC day; empty for now)
            <input type="date" name="as_of" value={day ?? ''} />
          </label>
          <button type="submit" class="secondary">
            Show
          </button>
        </form>
        <p>
          As of <Time at={h.as_of} />; values in {h.currency}
          {h.price_mark ? (
            <>
              {' '}
              at <Fiat amount={h.price_mark.price} currency={h.currency} /> per BTC ({h.price_mark.source},{' '}
              <Time at={h.price_mark.at} />)
            </>
          ) : (
            ' (no price mark yet)'
          )}
          .
        </p>
        {h.holdings.length === 0 ? (
          <Empty>Nothing was held then.</Empty>
        ) : (
          <table class="striped" id="holdings-report">
            <thead>
              <tr>
                <th scope="col">Vault</th>
                <th scope="col">State</th>
                <th scope="col" class="r">
                  Amount
                </th>
                <th scope="col" class="r">
                  Fair value
                </th>
                <th scope="col" class="r">
                  Value at receipt
                </th>
                <th scope="col" class="r">
                  Production cost
                </th>
              </tr>
            </thead>
            <tbody>
              {h.holdings.map((r) => (
                <tr>
                  <td>{r.policy_id}</td>
                  <td>{r.status}</td>
                  <td class="r">
                    <Btc value={r.amount_btc} />
                  </td>
                  <td class="r">
                    <Fiat amount={r.fair_value} currency={h.currency} />
                  </td>
                  <td class="r">
                    <Fiat amount={r.value_at_receipt} currency={h.currency} />
                  </td>
                  <td class="r">
                    <Fiat amount={r.production_cost} currency={h.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colspan={2}>
                  Total
                </th>
                <td class="r" id="holdings-total">
                  <Btc value={h.total_btc} />
                </td>
                <td class="r">
                  <Fiat amount={h.totals.fair_value} currency={h.currency} />
                </td>
                <td class="r">
                  <Fiat amount={h.totals.value_at_receipt} currency={h.currency} />
                </td>
                <td class="r">
                  <Fiat amount={h.totals.production_cost} currency={h.currency} />
                </td>
              </tr>
            </tfoot>
          </table>
        )}
      </ReportPage>,
    );
  });

  app.get('/reports/rollforward', needPage('reports'), async (c) => {
    const q = c.req.query();
    for (const name of ['from', 'to'] as const)
      if (q[name] && !dayParam(q[name])) throw new ConsoleRefusal(422, 'Bad date', `${name} must be a day, YYYY-MM-DD`);
    const end = monthStart(new Date());
    const to = q.to || end.toISOString().slice(0, 10);
    const from =
      q.from || new Date(Date.UTC(end.getUTCFullYear() - 1, end.getUTCMonth(), 1)).toISOString().slice(0, 10);
    if (from >= to) throw new ConsoleRefusal(422, 'Bad range', 'from must be before to');
    const [r, head] = await Promise.all([
      rollForward(c.var.ctx, { from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T00:00:00Z`), currency }),
      headOf(c),
    ]);
    const Line = (p: { label: string; line: { amount_btc: string; value: string | null }; id?: string }) => (
      <tr>
        <th scope="row">{p.label}</th>
        <td class="r" id={p.id}>
          <Btc value={p.line.amount_btc} />
        </td>
        <td class="r">
          <Fiat amount={p.line.value} currency={r.currency} />
        </td>
      </tr>
    );
    return c.html(
      <ReportPage ctx={c.var.page} title="Roll-forward" here="/console/reports/rollforward" head={head}>
        <form method="get" action="/console/reports/rollforward" class="filters no-print">
          <fieldset class="grid">
            <label>
              From (UTC day)
              <input type="date" name="from" value={from} />
            </label>
            <label>
              To (exclusive)
              <input type="date" name="to" value={to} />
            </label>
          </fieldset>
          <button type="submit" class="secondary">
            Show
          </button>
        </form>
        <p>
          Bitcoin held from <Time at={r.from} /> to <Time at={r.to} /> (exclusive), valued in {r.currency}.{' '}
          {r.check.balanced
            ? 'Opening plus movements equals closing.'
            : 'Opening plus movements does NOT equal closing.'}
        </p>
        <table class="striped" id="rollforward">
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col" class="r">
                BTC
              </th>
              <th scope="col" class="r">
                Value
              </th>
            </tr>
          </thead>
          <tbody>
            <Line label="Opening balance" line={r.opening} id="rf-opening" />
            <Line label="Additions (mining receipts)" line={r.additions} id="rf-additions" />
            {r.additions.by_site.map((s) => (
              <Line label={`  of which ${s.site}`} line={s} />
            ))}
            <Line label="Reversals (orphaned coinbase)" line={r.reversals} />
            <Line label="Dispositions" line={r.dispositions} />
            <Line label="Other additions" line={r.other_additions} />
            <tr>
              <th scope="row">Remeasurement gain or loss</th>
              <td class="r">—</td>
              <td class="r">
                <Fiat amount={r.remeasurement_gain_loss.value} currency={r.currency} />
              </td>
            </tr>
            <Line label="Closing balance" line={r.closing} id="rf-closing" />
          </tbody>
        </table>
      </ReportPage>,
    );
  });

  app.get('/reports/proof-of-reserves', needPage('reports'), async (c) => {
    const p = await proofOfReserves(c.var.ctx, { asOf: null });
    const head = p.ledger_head.ok
      ? { ok: true, head_hash: (p.ledger_head as { head_hash: string }).head_hash }
      : { ok: false, reason: (p.ledger_head as { reason: string }).reason };
    return c.html(
      <ReportPage ctx={c.var.page} title="Proof of reserves" here="/console/reports/proof-of-reserves" head={head}>
        <ProofBody proof={p} />
      </ReportPage>,
    );
  });
}

export function ProofBody(props: { proof: Awaited<ReturnType<typeof proofOfReserves>> }) {
  const p = props.proof;
  return (
    <>
      <p>
        <strong id="proof-total">
          <Btc value={p.total.amount_btc} />
        </strong>{' '}
        in {String(p.total.utxos)} coins (<Btc value={p.total.available_btc} /> available,{' '}
        <Btc value={p.total.immature_btc} /> immature), as of <Time at={p.as_of} />
        {p.chain_tip ? `, chain tip at height ${p.chain_tip.height}` : ', no chain tip known'}.
      </p>
      <p>
        Ledger head:{' '}
        {p.ledger_head.ok ? (
          <code class="wrap">{(p.ledger_head as { head_hash: string }).head_hash}</code>
        ) : (
          'unverified'
        )}
      </p>
      <h2>Descriptors</h2>
      <ul>
        {p.descriptors.map((d) => (
          <li>
            {d.policy_id}: <code class="wrap">{(d as { multipath?: string }).multipath ?? ''}</code>
          </li>
        ))}
      </ul>
      <h2>Addresses</h2>
      {p.addresses.length === 0 ? (
        <Empty>No coins are held.</Empty>
      ) : (
        <table class="striped">
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Vault</th>
              <th scope="col" class="r">
                Amount
              </th>
              <th scope="col" class="r">
                Coins
              </th>
            </tr>
          </thead>
          <tbody>
            {p.addresses.map((a) => (
              <tr>
                <td>
                  <code>{a.address}</code>
                </td>
                <td>{a.policy_id}</td>
                <td class="r">
                  <Btc value={a.amount_btc} />
                </td>
                <td class="r">{String(a.utxos.length)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
