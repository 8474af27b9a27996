/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { Actor } from '../context.js';
import { formatBtc, formatFiat, formatTime } from './format.js';
import { type ConsolePage, mayRead, NAV } from './roles.js';

export interface PageContext {
  actor: Actor;
  csrf: string;
  /** Whether the spends module is present (its pages come with it). */
  spends: boolean;
}

export function Shell(props: { title: string; children: Child; head?: Child; bodyClass?: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <link rel="icon" href="data:," />
        <title>{`${props.title} · Reserve`}</title>
        <link rel="stylesheet" href="/console/assets/pico.min.css" />
        <link rel="stylesheet" href="/console/assets/console.css" />
        {props.head}
      </head>
      <body class={props.bodyClass}>{props.children}</body>
    </html>
  );
}

export function Layout(props: { ctx: PageContext; page: ConsolePage; title: string; children: Child; print?: Child }) {
  const { actor, csrf } = props.ctx;
  const links = NAV.filter((n) => mayRead(actor, n.page) && (n.page !== 'spends' || props.ctx.spends));
  return (
    <Shell
      title={props.title}
      head={
        <>
          <link rel="stylesheet" href="/console/assets/uPlot.min.css" />
          <script src="/console/assets/uPlot.iife.min.js" defer />
          <script src="/console/assets/console.js" defer />
        </>
      }
    >
      <a class="skip" href="#main">
        Skip to the content
      </a>
      <header class="container topbar">
        <nav aria-label="Main">
          <ul>
            <li>
              <strong>Reserve</strong>
            </li>
            {links.map((n) => (
              <li>
                <a href={n.href} aria-current={n.page === props.page ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
          <ul>
            <li>
              <small>
                {actor.name} <span class="role">({actor.role})</span>
              </small>
            </li>
            <li>
              <form method="post" action="/console/logout" class="inline">
                <input type="hidden" name="csrf" value={csrf} />
                <button type="submit" class="secondary outline small">
                  Sign out
                </button>
              </form>
            </li>
          </ul>
        </nav>
      </header>
      <main class="container" id="main">
        {props.print}
        <h1>{props.title}</h1>
        {props.children}
      </main>
    </Shell>
  );
}

/** A BTC figure: the grouped text for people, the exact BTC string in the element's value for machines. */
export function Btc(props: { value: string | null | undefined; unit?: boolean }) {
  if (props.value === null || props.value === undefined) return <span>—</span>;
  return (
    <data class="num" value={props.value}>
      {formatBtc(props.value)}
      {props.unit === false ? '' : ' BTC'}
    </data>
  );
}

export function Fiat(props: { amount: string | null | undefined; currency: string }) {
  if (props.amount === null || props.amount === undefined) return <span>—</span>;
  return (
    <data class="num" value={props.amount}>
      {formatFiat(props.amount, props.currency)}
    </data>
  );
}

export function Time(props: { at: string | Date | null | undefined }) {
  if (!props.at) return <span>—</span>;
  const iso = typeof props.at === 'string' ? props.at : props.at.toISOString();
  return <time datetime={iso}>{formatTime(iso)}</time>;
}

/** What to do when a list is empty: a sentence, not a blank table. */
export function Empty(props: { children: Child }) {
  return <p class="empty">{props.children}</p>;
}

export function Csrf(props: { token: string }) {
  return <input type="hidden" name="csrf" value={props.token} />;
}

/** A chart drawn by console.js from the table beside it; without JavaScript the table is all there is. */
export function Chart(props: { id: string; label: string; children: Child }) {
  return (
    <figure class="chart" data-chart={props.id}>
      <div class="chart-canvas" aria-hidden="true" />
      <figcaption>{props.label}</figcaption>
      <section class="overflow-auto" tabindex={0} aria-label="Scrollable table">
        {props.children}
      </section>
    </figure>
  );
}

export function ErrorPage(props: { status: number; title: string; detail: string; signedIn: boolean }) {
  return (
    <Shell title={props.title}>
      <main class="container" id="main">
        <h1>{props.title}</h1>
        <p>{props.detail}</p>
        <p>
          <a href={props.signedIn ? '/console' : '/console/login'}>
            {props.signedIn ? 'Back to the overview' : 'Sign in'}
          </a>
        </p>
        <p>
          <small>HTTP {props.status}</small>
        </p>
      </main>
    </Shell>
  );
}

/** A section's own tabs (ledger, reports): the current one marked for screen readers and CSS. */
export function SubNav(props: {
  label: string;
  links: readonly (readonly [string, string])[];
  here: string;
  class?: string;
}) {
  return (
    <nav aria-label={props.label} class={props.class}>
      <ul>
        {props.links.map(([href, label]) => (
          <li>
            <a href={href} aria-current={href === props.here ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
