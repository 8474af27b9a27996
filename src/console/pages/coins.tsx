/** @jsxImportSource hono/jsx */
// Coins: the UTXO set with filters (vault, state, site), confirmations and the maturity countdown
// of immature coinbase outputs; the same listUtxos read as GET /v1/utxos.
import type { Hono } from 'hono';
import { Btc, Empty, Layout, type PageContext, Time } from '../layout.js';
import {
  COIN_STATUSES,
  COINBASE_MATURITY,
  listPolicies,
  listSites,
  listUtxos,
  toUtxoView,
  type UtxoView,
} from '../ports.js';
import { type ConsoleEnv, ConsoleRefusal, needPage } from '../router.js';
import { oneOf } from './util.js';

const PAGE_SIZE = 200;

export function coinRoutes(app: Hono<ConsoleEnv>) {
  app.get('/coins', needPage('coins'), async (c) => {
    const ctx = c.var.ctx;
    const q = c.req.query();
    const status = oneOf(q.state || undefined, COIN_STATUSES);
    if (q.state && !status)
      throw new ConsoleRefusal(422, 'Unknown state', `state must be one of ${COIN_STATUSES.join(', ')}`);
    const after = q.after ? /^([0-9a-f]{64}):(\d{1,10})$/.exec(q.after) : null;
    if (q.after && !after) throw new ConsoleRefusal(422, 'Bad cursor', 'after must be <txid>:<vout>');
    const [policies, sites, listed] = await Promise.all([
      listPolicies(ctx),
      listSites(ctx.tx ?? ctx.db),
      listUtxos(ctx, {
        policyId: q.vault || undefined,
        status,
        siteId: q.site || undefined,
        after: after ? { txid: after[1]!, vout: BigInt(after[2]!) } : undefined,
        limit: PAGE_SIZE,
      }),
    ]);
    const rows = listed.rows.slice(0, PAGE_SIZE).map((r) => toUtxoView(r, listed.tipHeight));
    const more = listed.rows.length > PAGE_SIZE ? rows[rows.length - 1]!.outpoint : null;
    return c.html(
      <CoinsPage
        ctx={c.var.page}
        rows={rows}
        more={more}
        tip={listed.tipHeight}
        filters={{ vault: q.vault ?? '', state: q.state ?? '', site: q.site ?? '' }}
        vaults={policies.map((p) => p.id)}
        sites={sites.map((s) => s.id)}
      />,
    );
  });
}

function Select(props: { name: string; label: string; value: string; options: readonly string[] }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">any</option>
        {props.options.map((o) => (
          <option value={o} selected={o === props.value}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

function maturity(u: UtxoView): string {
  if (!u.coinbase || u.status !== 'immature') return '';
  const left = COINBASE_MATURITY - (u.confirmations ?? 0);
  return `${left} block${left === 1 ? '' : 's'} to maturity (about ${Math.ceil((left * 10) / 60)} h)`;
}

function CoinsPage(props: {
  ctx: PageContext;
  rows: UtxoView[];
  more: string | null;
  tip: number | null;
  filters: { vault: string; state: string; site: string };
  vaults: string[];
  sites: string[];
}) {
  const f = props.filters;
  const nextHref = props.more ? `/console/coins?${new URLSearchParams({ ...f, after: props.more }).toString()}` : null;
  return (
    <Layout ctx={props.ctx} page="coins" title="Coins">
      <form method="get" action="/console/coins" class="filters">
        <fieldset class="grid">
          <Select name="vault" label="Vault" value={f.vault} options={props.vaults} />
          <Select name="state" label="State" value={f.state} options={COIN_STATUSES} />
          <Select name="site" label="Site" value={f.site} options={props.sites} />
        </fieldset>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      <p>
        <small>Chain tip: {props.tip === null ? 'no block known yet' : `height ${props.tip}`}</small>
      </p>
      {props.rows.length === 0 ? (
        <Empty>
          No coins match. Coins arrive as payouts on the fleet webhook (<code>payout.received</code>) to addresses
          issued on the Vaults page.
        </Empty>
      ) : (
        <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
          <table class="striped" id="coins">
            <thead>
              <tr>
                <th scope="col">Outpoint</th>
                <th scope="col">Vault</th>
                <th scope="col">Site</th>
                <th scope="col">State</th>
                <th scope="col" class="r">
                  Amount
                </th>
                <th scope="col" class="r">
                  Confirmations
                </th>
                <th scope="col">Maturity</th>
                <th scope="col">Received</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((u) => (
                <tr>
                  <td>
                    <code title={u.outpoint}>
                      {u.txid.slice(0, 12)}…:{String(u.vout)}
                    </code>
                  </td>
                  <td>{u.policy_id}</td>
                  <td>{u.site_id ?? ''}</td>
                  <td>
                    {u.status}
                    {u.coinbase ? ' (coinbase)' : ''}
                  </td>
                  <td class="r">
                    <Btc value={u.amount_btc} />
                  </td>
                  <td class="r">{String(u.confirmations ?? 0)}</td>
                  <td>{maturity(u)}</td>
                  <td>
                    <Time at={u.received_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {nextHref && <a href={nextHref}>Next {PAGE_SIZE} coins</a>}
    </Layout>
  );
}
