/** @jsxImportSource hono/jsx */
// The console's HTTP edge: security headers, the session, CSRF on every form, role guards, and
// errors as pages. Pages live in pages/; each calls the same verbs as the JSON routes.
import type { Hono, Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import type { Executor } from '../../db/client.js';
import type { Actor } from '../context.js';
import type { AppEnv } from '../http/env.js';
import { problemOf } from '../http/problem.js';
import { DomainError } from '../errors.js';
import { readAsset } from './assets.js';
import { ErrorPage, type PageContext } from './layout.js';
import { type ConsoleAction, type ConsolePage, mayDo, mayRead } from './roles.js';
import { endSession, readSession, sameToken, SESSION_COOKIE } from './session.js';

export interface ConsoleOptions {
  db: Executor;
  reportingCurrency: string;
  cookieSecure: boolean;
  publicPage: boolean;
  /** Whether the spends module is present; its pages are mounted with it. */
  spends: boolean;
  /** The transparency log's keys, for the public page's instructions (verifier keys as the CLI takes them). */
  transparency?: { logKey: string; witnessKeys: string[]; quorum: number };
}

export type ConsoleEnv = AppEnv & {
  Variables: { page: PageContext; form: Record<string, string> };
};

/** default-src 'self' and nothing inline: no inline script or style, no eval, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Frame-Options', 'DENY');
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
  if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
};

export function cookieOptions(secure: boolean, maxAgeSeconds?: number) {
  return {
    path: '/console',
    httpOnly: true,
    sameSite: 'Strict' as const,
    secure,
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}

export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'in-process';
}

/** Resolves the session cookie into the page context; a missing, expired or revoked one goes to sign-in. */
export function requireSession(options: ConsoleOptions): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const id = getCookie(c, SESSION_COOKIE);
    const session = await readSession(options.db, id);
    if (session.state !== 'ok') {
      deleteCookie(c, SESSION_COOKIE, cookieOptions(options.cookieSecure));
      const reason = session.state === 'unknown' ? (id ? 'expired' : 'required') : session.state;
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return c.html(<SignedOutPage reason={reason} />, 401);
      return c.redirect(`/console/login?reason=${reason}`, 303);
    }
    c.set('actor', session.actor);
    c.var.ctx.actor = session.actor;
    c.set('page', { actor: session.actor, csrf: session.csrf, spends: options.spends });
    await next();
  };
}

/** Every POST carries the session's CSRF token in a form field; without it nothing runs. */
export const requireCsrf: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.req.method !== 'POST') return next();
  const form = await readForm(c);
  if (!sameToken(form.csrf, c.var.page.csrf))
    throw new ConsoleRefusal(
      403,
      'Form refused',
      'The form did not carry this session’s CSRF token. Reload the page and try again.',
    );
  c.set('form', form);
  await next();
};

export async function readForm(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return {};
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

export class ConsoleRefusal extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 422 | 429,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export const needPage =
  (page: ConsolePage): MiddlewareHandler<ConsoleEnv> =>
  async (c, next) => {
    if (!mayRead(c.var.page.actor, page)) throw forbidden(c.var.page.actor, `read the ${page} page`);
    await next();
  };

export const needAction =
  (action: ConsoleAction): MiddlewareHandler<ConsoleEnv> =>
  async (c, next) => {
    if (!mayDo(c.var.page.actor, action)) throw forbidden(c.var.page.actor, action.replace('_', ' '));
    await next();
  };

const forbidden = (actor: Actor, what: string) =>
  new ConsoleRefusal(403, 'Not allowed', `Your role (${actor.role}) may not ${what}.`);

function SignedOutPage(props: { reason: string }) {
  return (
    <ErrorPage
      status={401}
      title="Signed out"
      detail={`Your session has ended (${props.reason}). Sign in again to continue.`}
      signedIn={false}
    />
  );
}

/** A console error is a page: domain errors keep their status and detail, anything else is logged. */
export function consoleError(error: Error, c: Context<ConsoleEnv>) {
  const signedIn = c.var.page !== undefined;
  if (error instanceof ConsoleRefusal)
    return c.html(
      <ErrorPage status={error.status} title={error.title} detail={error.detail} signedIn={signedIn} />,
      error.status,
    );
  if (error instanceof DomainError) {
    const p = problemOf(error);
    return c.html(
      <ErrorPage status={p.status} title={p.title} detail={p.detail} signedIn={signedIn} />,
      p.status as 400,
    );
  }
  if (error instanceof HTTPException && error.status < 500)
    return c.html(
      <ErrorPage
        status={error.status}
        title="Bad request"
        detail="The request could not be read."
        signedIn={signedIn}
      />,
      error.status,
    );
  const requestId = c.var.requestId ?? 'unknown';
  c.var.ctx?.log.error({ err: error, path: c.req.path }, 'console: unhandled error');
  return c.html(
    <ErrorPage
      status={500}
      title="Something went wrong"
      detail={`An internal error occurred; the operators can find it in the log under request id ${requestId}.`}
      signedIn={signedIn}
    />,
    500,
  );
}

export function assetsRoute(app: Hono<ConsoleEnv>) {
  app.get('/assets/:name', (c) => {
    const asset = readAsset(c.req.param('name'));
    if (!asset) throw new ConsoleRefusal(404, 'Not found', `There is no console asset ${c.req.param('name')}.`);
    return c.body(new Uint8Array(asset.body), 200, {
      'content-type': asset.type,
      'cache-control': 'public, max-age=3600',
    });
  });
}

export { endSession };
