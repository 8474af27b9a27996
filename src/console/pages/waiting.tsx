/** @jsxImportSource hono/jsx */
// "Waiting on you" on the overview: the live spends the signed-in key can move on now: approve or
// reject (an approver who has not decided), sign (a signer's role, while inputs lack signatures),
// report the broadcast (an officer, once signed). Read through GET /v1/spends's own handler, as
// the Spends page does, so the two cannot disagree.
import type { Actor } from '../../context.js';
import { Btc, Empty, Time } from '../layout.js';
import { spendsRouter, type toSpendView } from '../ports.js';
import { mayDo, mayRead } from '../roles.js';
import type { ConsoleEnv } from '../router.js';
import { delegate } from './delegate.js';

type Spend = ReturnType<typeof toSpendView>;
export interface WaitingSpend {
  spend: Spend;
  /** What the signed-in key can do, in words. */
  actions: string[];
}

/** The actions `actor` can take on `s` now (pure). */
export function actionsFor(actor: Actor, s: Spend, now = Date.now()): string[] {
  const out: string[] = [];
  if (mayDo(actor, 'approve_spend') && s.state === 'proposed' && !s.approvals.some((a) => a.key_id === actor.keyId))
    out.push('approve or reject');
  const unsigned = s.signatures.filter((x) => x.signed_by.length < x.required).length;
  if (mayDo(actor, 'sign_spend') && (s.state === 'proposed' || s.state === 'approved') && unsigned > 0)
    out.push(`sign (${unsigned} input(s) short of signatures)`);
  if (mayDo(actor, 'broadcast_spend') && s.state === 'signed') {
    const at = s.broadcast_allowed_at ? Date.parse(s.broadcast_allowed_at) : 0;
    out.push(at > now ? 'report the broadcast once the delay has passed' : 'report the broadcast');
  }
  return out;
}

const PAGE_LIMIT = 100;
const LIVE_STATES = ['proposed', 'approved', 'signed'] as const;
let spendsApi: ReturnType<typeof spendsRouter> | undefined;

/** The live spends waiting on the signed-in key, oldest deadline first; empty without the spends pages. */
export async function spendsWaiting(c: { var: ConsoleEnv['Variables'] }): Promise<WaitingSpend[]> {
  const actor = c.var.page.actor;
  if (!c.var.page.spends || !mayRead(actor, 'spends')) return [];
  spendsApi ??= spendsRouter();
  const api = spendsApi;
  const pages = await Promise.all(
    LIVE_STATES.map(async (state) => {
      const res = await delegate(c, api, `/v1/spends?limit=${PAGE_LIMIT}&state=${state}`);
      if (res.status !== 200) throw new Error(`GET /v1/spends?state=${state} answered ${res.status}`);
      return ((await res.json()) as { items: Spend[] }).items;
    }),
  );
  const live = pages.flat();
  return live
    .map((spend) => ({ spend, actions: actionsFor(actor, spend) }))
    .filter((w) => w.actions.length > 0)
    .sort((a, b) => Date.parse(a.spend.expires_at) - Date.parse(b.spend.expires_at));
}

export function WaitingOnYou(props: { waiting: WaitingSpend[] }) {
  return (
    <section aria-labelledby="waiting-h">
      <h2 id="waiting-h">Spends waiting on you</h2>
      {props.waiting.length === 0 ? (
        <Empty>
          Nothing waits on you. Spends needing your approval, your signature or your broadcast report appear here; all
          spends are on the <a href="/console/spends">Spends</a> page.
        </Empty>
      ) : (
        <ul id="waiting">
          {props.waiting.map((w) => (
            <li data-spend={w.spend.id}>
              <a href={`/console/spends/${w.spend.id}`}>{w.spend.id}</a>: <Btc value={w.spend.amount_btc} /> from{' '}
              {w.spend.policy_id} for {w.spend.purpose}; you can {w.actions.join(', ')}. Expires{' '}
              <Time at={w.spend.expires_at} />.
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
