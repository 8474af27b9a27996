/** @jsxImportSource hono/jsx */
// Spends: the queue (state, approvals n/m, signatures per input n/m, time left on the delay and to
// expiry, who is waiting on whom) and one spend with its outputs, fee and digest; approve or reject
// (approvers), PSBT download and upload (signers), broadcast and cancel (officers), through the
// spends module's verbs. The queue is GET /v1/spends's own handler.
import type { Hono } from 'hono';
import { Btc, Csrf, Empty, Layout, type PageContext, Time } from '../layout.js';
import {
  approveSpend,
  cancelSpend,
  readSpend,
  reportBroadcast,
  spendsRouter,
  submitSignatures,
  toSpendView,
} from '../ports.js';
import { mayDo } from '../roles.js';
import { type ConsoleEnv, ConsoleRefusal, needAction, needPage } from '../router.js';
import { delegate } from './delegate.js';
import { satText } from './util.js';

type Spend = ReturnType<typeof toSpendView>;
const LIVE = new Set(['proposed', 'approved', 'signed']);
const MAX_PSBT_BYTES = 512 * 1024;

function left(until: string | null, now = Date.now()): string {
  if (!until) return '—';
  const ms = Date.parse(until) - now;
  if (ms <= 0) return 'passed';
  const h = Math.floor(ms / 3_600_000);
  return h >= 48 ? `${Math.floor(h / 24)} d ${h % 24} h` : `${h} h ${Math.floor((ms % 3_600_000) / 60_000)} min`;
}

function approvals(s: Spend) {
  return s.approvals.filter((a) => a.decision === 'approve').length;
}

/** Who the spend waits on now, in words. */
export function waitingOn(s: Spend): string {
  if (s.state === 'proposed') return `approvers: ${s.approvals_required - approvals(s)} more approval(s)`;
  if (s.state === 'approved') {
    const missing = s.signatures.filter((x) => x.signed_by.length < x.required).length;
    return `signers: ${missing} input(s) short of ${s.signatures[0]?.required ?? 0} signatures`;
  }
  if (s.state === 'signed')
    return s.broadcast_allowed_at && Date.parse(s.broadcast_allowed_at) > Date.now()
      ? 'the delay, then an officer to broadcast'
      : 'an officer to broadcast';
  if (s.state === 'broadcast') return 'the chain to confirm it';
  return 'nobody: it has ended';
}

const signedInputs = (s: Spend) => s.signatures.filter((x) => x.signed_by.length >= x.required).length;

export function spendRoutes(app: Hono<ConsoleEnv>) {
  const api = spendsRouter();
  app.get('/spends', needPage('spends'), async (c) => {
    const state = c.req.query('state');
    const res = await delegate(c, api, `/v1/spends?limit=100${state ? `&state=${encodeURIComponent(state)}` : ''}`);
    if (res.status !== 200) throw new ConsoleRefusal(422, 'Bad filter', 'state must be one of the spend states');
    const { items } = (await res.json()) as { items: Spend[] };
    return c.html(<QueuePage ctx={c.var.page} spends={items} state={state ?? ''} />);
  });

  app.get('/spends/:id', needPage('spends'), async (c) => {
    const spend = toSpendView(await readSpend(c.var.ctx.tx ?? c.var.ctx.db, c.req.param('id')));
    return c.html(<SpendPage ctx={c.var.page} spend={spend} />);
  });

  app.get('/spends/:id/psbt', needPage('spends'), (c) =>
    delegate(c, api, `/v1/spends/${encodeURIComponent(c.req.param('id'))}/psbt`),
  );

  const back = (id: string) => `/console/spends/${encodeURIComponent(id)}`;
  app.post('/spends/:id/approvals', needPage('spends'), needAction('approve_spend'), async (c) => {
    const f = c.var.form;
    const body = {
      decision: f.decision,
      digest: f.digest,
      ...(f.comment?.trim() ? { comment: f.comment.trim() } : {}),
    };
    await approveSpend({ ctx: c.var.ctx, input: { id: c.req.param('id'), body } });
    return c.redirect(back(c.req.param('id')), 303);
  });

  app.post('/spends/:id/signatures', needPage('spends'), needAction('sign_spend'), async (c) => {
    const body = await c.req.parseBody();
    const file = body.psbt;
    if (!(file instanceof File) || file.size === 0)
      throw new ConsoleRefusal(422, 'No PSBT', 'psbt: choose the PSBT file your signing device returned');
    if (file.size > MAX_PSBT_BYTES)
      throw new ConsoleRefusal(422, 'PSBT too large', `psbt: at most ${MAX_PSBT_BYTES} bytes`);
    let bytes = new Uint8Array(await file.arrayBuffer());
    // Some devices save the PSBT as base64 text rather than binary.
    const text = Buffer.from(bytes).toString('latin1').trim();
    if (!text.startsWith('psbt') && /^[A-Za-z0-9+/]+={0,2}$/.test(text))
      bytes = new Uint8Array(Buffer.from(text, 'base64'));
    await submitSignatures({ ctx: c.var.ctx, input: { id: c.req.param('id'), psbt: bytes } });
    return c.redirect(back(c.req.param('id')), 303);
  });

  app.post('/spends/:id/broadcast', needPage('spends'), needAction('broadcast_spend'), async (c) => {
    await reportBroadcast({ ctx: c.var.ctx, input: { id: c.req.param('id') } });
    return c.redirect(back(c.req.param('id')), 303);
  });

  app.post('/spends/:id/cancel', needPage('spends'), needAction('broadcast_spend'), async (c) => {
    await cancelSpend({ ctx: c.var.ctx, input: { id: c.req.param('id') } });
    return c.redirect(back(c.req.param('id')), 303);
  });
}

function QueuePage(props: { ctx: PageContext; spends: Spend[]; state: string }) {
  return (
    <Layout ctx={props.ctx} page="spends" title="Spends">
      <form method="get" action="/console/spends" class="filters">
        <label>
          State
          <select name="state">
            {[
              '',
              'proposed',
              'approved',
              'signed',
              'broadcast',
              'confirmed',
              'rejected',
              'cancelled',
              'expired',
              'invalidated',
            ].map((s) => (
              <option value={s} selected={s === props.state}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      {props.spends.length === 0 ? (
        <Empty>No spends. An officer proposes one with POST /v1/spends (vault, destinations, fee rate).</Empty>
      ) : (
        <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
          <table class="striped" id="spends">
            <thead>
              <tr>
                <th scope="col">Spend</th>
                <th scope="col">Vault</th>
                <th scope="col">State</th>
                <th scope="col" class="r">
                  Amount
                </th>
                <th scope="col">Approvals</th>
                <th scope="col">Signed inputs</th>
                <th scope="col">Delay left</th>
                <th scope="col">Expires in</th>
                <th scope="col">Waiting on</th>
              </tr>
            </thead>
            <tbody>
              {props.spends.map((s) => (
                <tr>
                  <td>
                    <a href={`/console/spends/${s.id}`}>{s.id}</a>
                  </td>
                  <td>{s.policy_id}</td>
                  <td>{s.state}</td>
                  <td class="r">
                    <Btc value={s.amount_btc} />
                  </td>
                  <td>
                    {String(approvals(s))}/{String(s.approvals_required)}
                  </td>
                  <td>
                    {String(signedInputs(s))}/{String(s.signatures.length)}
                  </td>
                  <td>{LIVE.has(s.state) ? left(s.broadcast_allowed_at) : '—'}</td>
                  <td>{LIVE.has(s.state) ? left(s.expires_at) : '—'}</td>
                  <td>{waitingOn(s)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </Layout>
  );
}

function SpendActions(props: { ctx: PageContext; s: Spend }) {
  const { ctx, s } = props;
  const mine = s.approvals.some((a) => a.key_id === ctx.actor.keyId);
  const id = s.id;
  return (
    <section aria-labelledby="actions-h">
      <h2 id="actions-h">Actions</h2>
      {mayDo(ctx.actor, 'approve_spend') && s.state === 'proposed' && !mine && (
        <form method="post" action={`/console/spends/${id}/approvals`} class="approve">
          <Csrf token={ctx.csrf} />
          <input type="hidden" name="digest" value={s.digest} />
          <label>
            Comment (optional)
            <input name="comment" maxlength={1000} />
          </label>
          <button type="submit" name="decision" value="approve">
            Approve digest {s.digest.slice(0, 12)}…
          </button>{' '}
          <button type="submit" name="decision" value="reject" class="secondary">
            Reject
          </button>
        </form>
      )}
      {mayDo(ctx.actor, 'sign_spend') && (s.state === 'approved' || s.state === 'proposed') && (
        <>
          <p>
            <a class="btn" href={`/console/spends/${id}/psbt`} download>
              Download the PSBT
            </a>
          </p>
          <form method="post" action={`/console/spends/${id}/signatures`} enctype="multipart/form-data" class="upload">
            <Csrf token={ctx.csrf} />
            <label>
              Signed PSBT from your device
              <input type="file" name="psbt" required />
            </label>
            <button type="submit">Upload signatures</button>
          </form>
        </>
      )}
      {mayDo(ctx.actor, 'broadcast_spend') && s.state === 'signed' && (
        <form method="post" action={`/console/spends/${id}/broadcast`} class="inline">
          <Csrf token={ctx.csrf} />
          <button type="submit">Report broadcast</button>
        </form>
      )}
      {mayDo(ctx.actor, 'broadcast_spend') && LIVE.has(s.state) && (
        <form method="post" action={`/console/spends/${id}/cancel`} class="inline">
          <Csrf token={ctx.csrf} />
          <button type="submit" class="secondary">
            Cancel the spend
          </button>
        </form>
      )}
    </section>
  );
}

function SpendPage(props: { ctx: PageContext; spend: Spend }) {
  const s = props.spend;
  return (
    <Layout ctx={props.ctx} page="spends" title={`Spend ${s.id}`}>
      <p>
        {s.state}: <Btc value={s.amount_btc} /> from {s.policy_id} for {s.purpose}. Waiting on {waitingOn(s)}.
      </p>
      <dl class="facts">
        <dt>Digest (what approvers approve)</dt>
        <dd>
          <code class="wrap" id="digest">
            {s.digest}
          </code>
        </dd>
        <dt>Fee</dt>
        <dd>
          <Btc value={satText(BigInt(s.fee_sat))} /> ({s.fee_rate_sat_vb} sat/vB, {String(s.vsize)} vB)
        </dd>
        <dt>Approvals</dt>
        <dd>
          {String(approvals(s))} of {String(s.approvals_required)}
          {s.approvals.map((a) => (
            <div>
              {a.name}: {a.decision} <Time at={a.at} />
              {a.comment ? ` (${a.comment})` : ''}
            </div>
          ))}
        </dd>
        <dt>Signatures</dt>
        <dd>
          {s.signatures.map((x) => (
            <div>
              input {String(x.input)}: {String(x.signed_by.length)}/{String(x.required)}{' '}
              {x.signed_by.length ? `(${x.signed_by.join(', ')})` : ''}
            </div>
          ))}
        </dd>
        <dt>Delay</dt>
        <dd>
          {String(s.delay_hours)} h;{' '}
          {s.broadcast_allowed_at ? (
            <>
              broadcast allowed <Time at={s.broadcast_allowed_at} /> ({left(s.broadcast_allowed_at)})
            </>
          ) : (
            `broadcast allowed ${s.delay_hours > 0 ? `${s.delay_hours} h after` : 'once'} it is approved`
          )}
        </dd>
        <dt>Expires</dt>
        <dd>
          <Time at={s.expires_at} /> ({left(s.expires_at)})
        </dd>
      </dl>
      {s.warnings.map((w) => (
        <p role="alert">{w}</p>
      ))}
      <h2>Outputs</h2>
      <table class="striped" id="outputs">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Address</th>
            <th scope="col">Kind</th>
            <th scope="col">Label</th>
            <th scope="col" class="r">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {s.outputs.map((o) => (
            <tr>
              <td>{String(o.vout)}</td>
              <td>
                <code>{o.address}</code>
              </td>
              <td>{o.kind}</td>
              <td>{o.label ?? ''}</td>
              <td class="r">
                <Btc value={o.amount_btc} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Inputs</h2>
      <ul>
        {s.inputs.map((i) => (
          <li>
            <code>
              {i.txid}:{String(i.vout)}
            </code>{' '}
            <Btc value={i.amount_btc} />
            {i.coinbase ? ' (coinbase)' : ''}
          </li>
        ))}
      </ul>
      <SpendActions ctx={props.ctx} s={s} />
    </Layout>
  );
}
