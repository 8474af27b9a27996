/** @jsxImportSource hono/jsx */
// Audit log with filters: time range, action prefix, outcome; oldest first as the API lists it.
import type { Hono } from 'hono';
import { Empty, Layout, Time } from '../layout.js';
import { listAudit, toAuditView } from '../ports.js';
import { type ConsoleEnv, ConsoleRefusal, needPage } from '../router.js';
import { dayParam } from './util.js';

const PAGE_SIZE = 200;
/** Rows read per page when filtering by action or outcome in the console (the log has no such index). */
const SCAN_LIMIT = 5000;

export function auditRoutes(app: Hono<ConsoleEnv>) {
  app.get('/audit', needPage('audit'), async (c) => {
    const q = c.req.query();
    for (const name of ['from', 'to'] as const)
      if (q[name] && !dayParam(q[name])) throw new ConsoleRefusal(422, 'Bad date', `${name} must be a day, YYYY-MM-DD`);
    if (q.after && !/^\d{1,18}$/.test(q.after))
      throw new ConsoleRefusal(422, 'Bad cursor', 'after must be a sequence number');
    const filtered = Boolean(q.action || q.outcome);
    const rows = await listAudit(c.var.ctx.tx ?? c.var.ctx.db, {
      afterSeq: q.after ? BigInt(q.after) : undefined,
      from: q.from ? new Date(`${q.from}T00:00:00Z`) : undefined,
      to: q.to ? new Date(`${q.to}T00:00:00Z`) : undefined,
      limit: filtered ? SCAN_LIMIT : PAGE_SIZE + 1,
    });
    const views = rows
      .map(toAuditView)
      .filter((r) => (!q.action || r.action.startsWith(q.action)) && (!q.outcome || r.outcome === q.outcome));
    const shown = views.slice(0, PAGE_SIZE);
    const last = filtered ? (rows.length === SCAN_LIMIT ? rows[rows.length - 1] : undefined) : rows[PAGE_SIZE];
    const next = last ? (filtered ? last.seq.toString() : shown[shown.length - 1]!.seq) : null;
    const keep = Object.fromEntries(Object.entries(q).filter(([k, v]) => k !== 'after' && v));
    return c.html(
      <Layout ctx={c.var.page} page="audit" title="Audit log">
        <form method="get" action="/console/audit" class="filters">
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
              Action starts with
              <input name="action" value={q.action ?? ''} placeholder="keys." />
            </label>
            <label>
              Outcome
              <select name="outcome">
                {['', 'ok', 'denied', 'rejected', 'error'].map((o) => (
                  <option value={o} selected={o === (q.outcome ?? '')}>
                    {o || 'any'}
                  </option>
                ))}
              </select>
            </label>
          </fieldset>
          <button type="submit" class="secondary">
            Filter
          </button>
        </form>
        {shown.length === 0 ? (
          <Empty>No audit rows match. Every change anyone makes, and every refused sign-in, lands here.</Empty>
        ) : (
          <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
            <table class="striped" id="audit">
              <thead>
                <tr>
                  <th scope="col">Seq</th>
                  <th scope="col">At</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Request</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr>
                    <td class="r">{r.seq}</td>
                    <td>
                      <Time at={r.at} />
                    </td>
                    <td>
                      {r.actor_role}
                      {r.actor_key_id ? ` ${r.actor_key_id}` : ''}
                    </td>
                    <td>{r.action}</td>
                    <td>{r.target ?? ''}</td>
                    <td>{r.outcome}</td>
                    <td>
                      <code>{r.request_id ?? ''}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
        {next && <a href={`/console/audit?${new URLSearchParams({ ...keep, after: next })}`}>Next page</a>}
      </Layout>,
    );
  });
}
