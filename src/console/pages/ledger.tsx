/** @jsxImportSource hono/jsx */
// Ledger: the journal with filters, one entry with its postings and hash, accounts with balances,
// the trial balance as of a date, the verify result, and the auditors' export buttons.
import type { Hono } from 'hono';
import { Btc, Empty, Layout, type PageContext, SubNav, Time } from '../layout.js';
import { formatDecimal, shortHash } from '../format.js';
import {
  getEntry,
  listAccounts,
  readEntries,
  toAccountView,
  toEntryView,
  toTrialBalanceView,
  toVerifyView,
  trialBalance,
  verifyLedger,
} from '../ports.js';
import { mayDo } from '../roles.js';
import { type ConsoleEnv, ConsoleRefusal, needPage } from '../router.js';
import { dayParam } from './util.js';

type EntryView = ReturnType<typeof toEntryView>;
const PAGE_SIZE = 100;

function Amount(props: { commodity: string; amount: string; btc: string | null }) {
  return props.btc !== null ? (
    <Btc value={props.btc} />
  ) : (
    <data class="num" value={props.amount}>
      {formatDecimal(props.amount)} {props.commodity}
    </data>
  );
}

function LedgerNav(props: { here: string }) {
  const links = [
    ['/console/ledger', 'Journal'],
    ['/console/ledger/accounts', 'Accounts'],
    ['/console/ledger/trial-balance', 'Trial balance'],
  ] as const;
  return <SubNav label="Ledger" links={links} here={props.here} />;
}

export function ledgerRoutes(app: Hono<ConsoleEnv>) {
  app.get('/ledger', needPage('ledger'), async (c) => {
    const q = c.req.query();
    for (const name of ['from', 'to'] as const)
      if (q[name] && !dayParam(q[name])) throw new ConsoleRefusal(422, 'Bad date', `${name} must be a day, YYYY-MM-DD`);
    if (q.after && !/^\d{1,18}$/.test(q.after))
      throw new ConsoleRefusal(422, 'Bad cursor', 'after must be a sequence number');
    const [entries, verify] = await Promise.all([
      readEntries(c.var.ctx, {
        afterSeq: q.after ? BigInt(q.after) : undefined,
        from: q.from ? new Date(`${q.from}T00:00:00Z`) : undefined,
        to: q.to ? new Date(`${q.to}T00:00:00Z`) : undefined,
        accountPrefix: q.account || undefined,
        kind: q.kind || undefined,
        limit: PAGE_SIZE + 1,
      }),
      verifyLedger(c.var.ctx),
    ]);
    const views = entries.slice(0, PAGE_SIZE).map(toEntryView);
    const next = entries.length > PAGE_SIZE ? views[views.length - 1]!.seq : null;
    return c.html(<JournalPage ctx={c.var.page} entries={views} next={next} q={q} verify={toVerifyView(verify)} />);
  });

  app.get('/ledger/entries/:seq', needPage('ledger'), async (c) => {
    const seq = c.req.param('seq');
    if (!/^\d{1,18}$/.test(seq)) throw new ConsoleRefusal(404, 'Not found', `There is no ledger entry ${seq}.`);
    const entry = await getEntry(c.var.ctx, { seq: BigInt(seq) });
    if (!entry) throw new ConsoleRefusal(404, 'Not found', `There is no ledger entry ${seq}.`);
    return c.html(<EntryPage ctx={c.var.page} entry={toEntryView(entry)} />);
  });

  app.get('/ledger/accounts', needPage('ledger'), async (c) => {
    const accounts = (await listAccounts(c.var.ctx, { prefix: c.req.query('prefix') || undefined })).map(toAccountView);
    return c.html(
      <Layout ctx={c.var.page} page="ledger" title="Accounts">
        <LedgerNav here="/console/ledger/accounts" />
        {accounts.length === 0 ? (
          <Empty>No accounts yet: the first payout or production report opens them.</Empty>
        ) : (
          <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
            <table class="striped">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Type</th>
                  <th scope="col" class="r">
                    Balances
                  </th>
                </tr>
              </thead>
              <tbody>
                {accounts.map((a) => (
                  <tr>
                    <td>
                      <a href={`/console/ledger?account=${encodeURIComponent(a.name)}`}>{a.name}</a>
                    </td>
                    <td>{a.type}</td>
                    <td class="r">
                      {a.balances.map((b) => (
                        <div>
                          <Amount commodity={b.commodity} amount={b.balance} btc={b.balance_btc} />
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </Layout>,
    );
  });

  app.get('/ledger/trial-balance', needPage('ledger'), async (c) => {
    const asOfDay = c.req.query('as_of');
    if (asOfDay && !dayParam(asOfDay)) throw new ConsoleRefusal(422, 'Bad date', 'as_of must be a day, YYYY-MM-DD');
    // As of the end of that UTC day: entries with occurred_at before the next midnight.
    const asOf = asOfDay ? new Date(Date.parse(`${asOfDay}T00:00:00Z`) + 86_400_000 - 1) : undefined;
    const tb = toTrialBalanceView(await trialBalance(c.var.ctx, { asOf }));
    return c.html(
      <Layout ctx={c.var.page} page="ledger" title="Trial balance">
        <LedgerNav here="/console/ledger/trial-balance" />
        <form method="get" action="/console/ledger/trial-balance" class="filters">
          <label>
            As of the end of (UTC day)
            <input type="date" name="as_of" value={asOfDay ?? ''} />
          </label>
          <button type="submit" class="secondary">
            Show
          </button>
        </form>
        <p>
          {tb.as_of ? (
            <>
              As of <Time at={tb.as_of} />
            </>
          ) : (
            'Current balances'
          )}
        </p>
        <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
          <table class="striped" id="trial-balance">
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Type</th>
                <th scope="col" class="r">
                  Balance
                </th>
              </tr>
            </thead>
            <tbody>
              {tb.rows.map((r) => (
                <tr>
                  <td>{r.account}</td>
                  <td>{r.type}</td>
                  <td class="r">
                    <Amount commodity={r.commodity} amount={r.balance} btc={r.balance_btc} />
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              {tb.totals.map((t) => (
                <tr>
                  <th scope="row" colspan={2}>
                    Total {t.commodity} (zero when balanced)
                  </th>
                  <td class="r">{formatDecimal(t.total)}</td>
                </tr>
              ))}
            </tfoot>
          </table>
        </section>
      </Layout>,
    );
  });
}

function Verify(props: { verify: ReturnType<typeof toVerifyView> }) {
  const v = props.verify;
  return v.ok ? (
    <p id="verify" class="ok">
      Verified: {v.count} entries, the hash chain and every balance recomputed. Head hash <code>{v.head_hash}</code>
    </p>
  ) : (
    <p id="verify" role="alert" class="error">
      Verification failed at entry {v.seq ?? '?'}: {v.reason}
    </p>
  );
}

function JournalPage(props: {
  ctx: PageContext;
  entries: EntryView[];
  next: string | null;
  q: Record<string, string>;
  verify: ReturnType<typeof toVerifyView>;
}) {
  const q = props.q;
  const keep = Object.fromEntries(Object.entries(q).filter(([k, v]) => k !== 'after' && v));
  return (
    <Layout ctx={props.ctx} page="ledger" title="Ledger">
      <LedgerNav here="/console/ledger" />
      <Verify verify={props.verify} />
      {mayDo(props.ctx.actor, 'export') && (
        <p class="exports">
          Export:{' '}
          <a class="btn small" href="/console/exports/ledger?format=csv" download>
            CSV
          </a>{' '}
          <a class="btn small" href="/console/exports/ledger?format=jsonl" download>
            JSONL
          </a>{' '}
          <a class="btn small" href="/console/exports/ledger?format=beancount" download>
            beancount
          </a>{' '}
          <a class="btn small" href="/console/exports/labels" download>
            labels (BIP-329)
          </a>
        </p>
      )}
      <form method="get" action="/console/ledger" class="filters">
        <fieldset class="grid">
          <label>
            From (UTC day)
            <input type="date" name="from" value={q.from ?? ''} />
          </label>
          <label>
            To (exclusive)
            <input type="date" name="to" value={q.to ?? ''} />
          </label>
          <label>
            Account prefix
            <input name="account" value={q.account ?? ''} placeholder="Assets:Bitcoin" />
          </label>
          <label>
            Kind
            <input name="kind" value={q.kind ?? ''} placeholder="payout.received" />
          </label>
        </fieldset>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      {props.entries.length === 0 ? (
        <Empty>No entries match. Payouts, block events and production reports post entries as they arrive.</Empty>
      ) : (
        <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
          <table class="striped" id="journal">
            <thead>
              <tr>
                <th scope="col">Seq</th>
                <th scope="col">Occurred</th>
                <th scope="col">Kind</th>
                <th scope="col">Description</th>
                <th scope="col">Postings</th>
                <th scope="col">Hash</th>
              </tr>
            </thead>
            <tbody>
              {props.entries.map((e) => (
                <tr>
                  <td>
                    <a href={`/console/ledger/entries/${e.seq}`}>{e.seq}</a>
                  </td>
                  <td>
                    <Time at={e.occurred_at} />
                  </td>
                  <td>{e.kind}</td>
                  <td>{e.description}</td>
                  <td>{String(e.postings.length)}</td>
                  <td>
                    <code>{shortHash(e.hash)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {props.next && (
        <a href={`/console/ledger?${new URLSearchParams({ ...keep, after: props.next })}`}>Next {PAGE_SIZE} entries</a>
      )}
    </Layout>
  );
}

function EntryPage(props: { ctx: PageContext; entry: EntryView }) {
  const e = props.entry;
  return (
    <Layout ctx={props.ctx} page="ledger" title={`Ledger entry ${e.seq}`}>
      <LedgerNav here="" />
      <dl class="facts">
        <dt>Kind</dt>
        <dd>{e.kind}</dd>
        <dt>Description</dt>
        <dd>{e.description}</dd>
        <dt>Occurred</dt>
        <dd>
          <Time at={e.occurred_at} />
        </dd>
        <dt>Recorded</dt>
        <dd>
          <Time at={e.recorded_at} />
        </dd>
        <dt>Source</dt>
        <dd>
          {e.source.type} <code>{e.source.id}</code>
        </dd>
        <dt>Actor</dt>
        <dd>{e.actor}</dd>
        {e.reverses_seq && (
          <>
            <dt>Reverses</dt>
            <dd>
              <a href={`/console/ledger/entries/${e.reverses_seq}`}>entry {e.reverses_seq}</a>
            </dd>
          </>
        )}
        <dt>Previous hash</dt>
        <dd>
          <code class="wrap">{e.prev_hash}</code>
        </dd>
        <dt>Hash</dt>
        <dd>
          <code class="wrap" id="entry-hash">
            {e.hash}
          </code>
        </dd>
      </dl>
      <h2>Postings</h2>
      <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
        <table class="striped">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col" class="r">
                Amount
              </th>
              <th scope="col">Price</th>
            </tr>
          </thead>
          <tbody>
            {e.postings.map((p) => (
              <tr>
                <td>{p.account}</td>
                <td class="r">
                  <Amount commodity={p.commodity} amount={p.amount} btc={p.amount_btc} />
                </td>
                <td>{p.price ? JSON.stringify(p.price) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}
