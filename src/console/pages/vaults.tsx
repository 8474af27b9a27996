/** @jsxImportSource hono/jsx */
// Vaults: each custody policy with its descriptor, keys, rules and addresses; the next receive
// address with a QR code. Issuing an address is an officer's action, through the same verb as the API.
import type { Hono } from 'hono';
import { renderSVG } from 'uqr';
import { z } from 'zod';
import { Btc, Csrf, Empty, Layout, type PageContext, Time } from '../layout.js';
import {
  getPolicy,
  issueAddress,
  listAddresses,
  listPolicies,
  type PolicyVersionEntry,
  policyHistory,
  toListedView,
  toPolicyView,
} from '../ports.js';
import { mayDo } from '../roles.js';
import { type ConsoleEnv, ConsoleRefusal, needAction, needPage } from '../router.js';

type PolicyView = ReturnType<typeof toPolicyView>;
type AddressView = ReturnType<typeof toListedView>;

const labelText = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const IssueForm = z.object({
  label: labelText(200),
  site: labelText(100).optional(),
  pool: labelText(100).optional(),
  purpose: labelText(200).optional(),
});

const blankToUndefined = (form: Record<string, string>) =>
  Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v.trim() === '' ? undefined : v]));

export function vaultRoutes(app: Hono<ConsoleEnv>) {
  app.get('/vaults', needPage('vaults'), async (c) => {
    const policies = (await listPolicies(c.var.ctx)).map(toPolicyView);
    return c.html(<VaultsPage ctx={c.var.page} policies={policies} />);
  });

  app.get('/vaults/:id', needPage('vaults'), async (c) => {
    const ctx = c.var.ctx;
    const policy = toPolicyView(await getPolicy(ctx, c.req.param('id')));
    const { policy: row, items } = await listAddresses(ctx, {
      policyId: policy.id,
      chain: 0,
      from: 0,
      count: policy.gap_limit * 2,
    });
    const addresses = items.map((i) => toListedView(row, i.derived, i.row));
    const history = await policyHistory(ctx, policy.id);
    return c.html(
      <VaultPage
        ctx={c.var.page}
        policy={policy}
        addresses={addresses}
        history={history}
        issued={c.req.query('issued')}
      />,
    );
  });

  app.post('/vaults/:id/addresses', needPage('vaults'), needAction('issue_address'), async (c) => {
    const parsed = IssueForm.safeParse(blankToUndefined(c.var.form));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConsoleRefusal(422, 'Address not issued', `${String(issue.path[0])}: ${issue.message}`);
    }
    const { address } = await issueAddress({ ctx: c.var.ctx, input: { policyId: c.req.param('id'), ...parsed.data } });
    return c.redirect(
      `/console/vaults/${encodeURIComponent(c.req.param('id'))}?issued=${encodeURIComponent(address.address)}#receive`,
      303,
    );
  });
}

function VaultsPage(props: { ctx: PageContext; policies: PolicyView[] }) {
  return (
    <Layout ctx={props.ctx} page="vaults" title="Vaults">
      {props.policies.length === 0 ? (
        <Empty>No custody policies: put a policy file in POLICIES_DIR (see policies/ for examples) and restart.</Empty>
      ) : (
        <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
          <table class="striped">
            <thead>
              <tr>
                <th scope="col">Vault</th>
                <th scope="col">Name</th>
                <th scope="col">Keys</th>
                <th scope="col">Tier</th>
                <th scope="col">Network</th>
                <th scope="col">Version</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {props.policies.map((p) => (
                <tr>
                  <td>
                    <a href={`/console/vaults/${p.id}`}>{p.id}</a>
                  </td>
                  <td>{p.name}</td>
                  <td>{p.m_of_n}</td>
                  <td>{p.tier}</td>
                  <td>{p.network}</td>
                  <td class="r">{String(p.version)}</td>
                  <td>{p.active ? 'active' : 'retired'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </Layout>
  );
}

/** The QR code of a bitcoin: URI as an SVG image (uqr renders it on the server; no script). */
function Qr(props: { address: string }) {
  const uri = `bitcoin:${props.address.toUpperCase().startsWith('BC') || props.address.startsWith('tb1') || props.address.startsWith('bcrt1') ? props.address.toUpperCase() : props.address}`;
  const svg = renderSVG(uri, { border: 2 });
  return (
    <img
      class="qr"
      src={`data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`}
      alt={`QR code of ${uri}`}
      width="200"
      height="200"
    />
  );
}

/** Every version of the policy, newest first, with the fields each changed from the one before. */
function VersionHistory(props: { history: PolicyVersionEntry[] }) {
  const value = (v: string | null) => (v === null ? <em>absent</em> : <code>{v}</code>);
  return (
    <section aria-labelledby="history-h">
      <h2 id="history-h">Version history</h2>
      <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
        <table class="striped" id="versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Loaded</th>
              <th scope="col">Changes from the version before</th>
              <th scope="col">Content hash</th>
            </tr>
          </thead>
          <tbody>
            {[...props.history].reverse().map((v) => (
              <tr data-version={String(v.version)}>
                <td class="r">{String(v.version)}</td>
                <td>
                  <Time at={v.createdAt} />
                </td>
                <td>
                  {v.version === 1 ? (
                    'first version'
                  ) : v.changes.length === 0 ? (
                    'no field changed'
                  ) : (
                    <ul class="changes">
                      {v.changes.map((ch) => (
                        <li data-field={ch.field}>
                          <code>{ch.field}</code>: {value(ch.before)} → {value(ch.after)}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  <code class="wrap">{v.contentHash.slice(0, 16)}…</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </section>
  );
}

function VaultPage(props: {
  ctx: PageContext;
  policy: PolicyView;
  addresses: AddressView[];
  history: PolicyVersionEntry[];
  issued?: string;
}) {
  const p = props.policy;
  const next =
    props.addresses.find((a) => a.address === props.issued) ?? props.addresses.find((a) => a.state === 'issued');
  const canIssue = mayDo(props.ctx.actor, 'issue_address') && p.active;
  return (
    <Layout ctx={props.ctx} page="vaults" title={`Vault ${p.id}`}>
      <p>
        {p.name}: {p.m_of_n} {p.script} on {p.network}, tier {p.tier}, policy version {String(p.version)}{' '}
        {p.active ? '' : '(retired)'}
      </p>
      <section aria-labelledby="descriptor-h">
        <h2 id="descriptor-h">Descriptor</h2>
        <pre class="wrap" id="descriptor">
          {p.descriptor}
        </pre>
        <button type="button" class="secondary outline small" data-copy="descriptor" hidden>
          Copy descriptor
        </button>
        <p>
          <small>
            Usable as-is in Bitcoin Core (<code>importdescriptors</code>), Sparrow and Caravan. Content hash{' '}
            <code>{p.content_hash}</code>.
          </small>
        </p>
      </section>
      <section aria-labelledby="signers-h">
        <h2 id="signers-h">Signers</h2>
        <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
          <table class="striped">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Path</th>
                <th scope="col">xpub</th>
              </tr>
            </thead>
            <tbody>
              {p.signers.map((s) => (
                <tr>
                  <td>{s.name}</td>
                  <td>
                    <code>{s.fingerprint}</code>
                  </td>
                  <td>
                    <code>{s.path}</code>
                  </td>
                  <td>
                    <code class="wrap">{s.xpub}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </section>
      <section aria-labelledby="rules-h">
        <h2 id="rules-h">Spending rules</h2>
        <ul>
          <li>Approvals required: {String(p.spending.approvals)}</li>
          <li>
            Per transaction at most <Btc value={p.spending.per_tx_limit_btc} />; per rolling 24 h at most{' '}
            <Btc value={p.spending.daily_limit_btc} />
          </li>
          <li>Delay before broadcast: {String(p.spending.delay_hours)} h</li>
          <li>
            Allowed destinations:{' '}
            {p.spending.allowed_destinations.length === 0 ? 'any' : p.spending.allowed_destinations.join(', ')}
          </li>
          <li>Gap limit: {String(p.gap_limit)}</li>
        </ul>
        <p>
          <small>
            Version {String(p.version)} since <Time at={p.updated_at} />, first loaded <Time at={p.created_at} />. Every
            version is below and in the <a href="/console/audit?action=policies.">audit log</a> (auditors).
          </small>
        </p>
      </section>
      <VersionHistory history={props.history} />
      <section aria-labelledby="receive">
        <h2 id="receive">Next receive address</h2>
        {next ? (
          <div class="grid receive">
            <div>
              <Qr address={next.address} />
            </div>
            <div>
              <p>
                <code class="wrap" id="receive-address">
                  {next.address}
                </code>
              </p>
              <p>
                Index {String(next.index)}, label {next.label ?? '—'}, state {next.state}
              </p>
            </div>
          </div>
        ) : (
          <Empty>
            No address is issued and unused. {canIssue ? 'Issue one below' : 'An officer issues one'} under a label that
            says who will pay into it (e.g. site-7/pool-a/payouts).
          </Empty>
        )}
        {canIssue && (
          <form method="post" action={`/console/vaults/${p.id}/addresses`} class="issue">
            <Csrf token={props.ctx.csrf} />
            <fieldset class="grid">
              <label>
                Label
                <input name="label" required maxlength={200} placeholder="site-7/pool-a/payouts" />
              </label>
              <label>
                Site (optional)
                <input name="site" maxlength={100} />
              </label>
              <label>
                Pool (optional)
                <input name="pool" maxlength={100} />
              </label>
            </fieldset>
            <button type="submit">Issue the next receive address</button>
          </form>
        )}
      </section>
      <section aria-labelledby="addresses-h">
        <h2 id="addresses-h">Receive addresses 0 to {String(props.addresses.length - 1)}</h2>
        <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
          <table class="striped">
            <thead>
              <tr>
                <th scope="col">Index</th>
                <th scope="col">Address</th>
                <th scope="col">State</th>
                <th scope="col">Label</th>
              </tr>
            </thead>
            <tbody>
              {props.addresses.map((a) => (
                <tr>
                  <td class="r">{String(a.index)}</td>
                  <td>
                    <code>{a.address}</code>
                  </td>
                  <td>{a.state}</td>
                  <td>{a.label ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </section>
    </Layout>
  );
}
