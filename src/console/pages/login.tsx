/** @jsxImportSource hono/jsx */
// Sign-in with an API key: the key is checked once and a server-side session takes its place.
// The form carries a token bound to a short-lived cookie (there is no session yet to bind it to).
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { Shell } from '../layout.js';
import { audit, authenticateSecret } from '../ports.js';
import {
  type ConsoleEnv,
  type ConsoleOptions,
  clientAddress,
  cookieOptions,
  ConsoleRefusal,
  readForm,
  requireCsrf,
  requireSession,
} from '../router.js';
import {
  createSession,
  endSession,
  LOGIN_CSRF_COOKIE,
  newRandomToken,
  recentFailures,
  recordFailure,
  retryAfterSeconds,
  SESSION_ABSOLUTE_MS,
  SESSION_COOKIE,
  SIGN_IN_MAX_FAILURES,
  sameToken,
} from '../session.js';

const REASONS: Record<string, string> = {
  required: 'Sign in to open the console.',
  expired: 'Your session expired. Sign in again.',
  revoked: 'Your API key was revoked, so its session ended. Ask an administrator for a new key.',
  signed_out: 'You are signed out.',
};

function LoginPage(props: { token: string; message?: string; error?: string }) {
  return (
    <Shell title="Sign in">
      <main class="container narrow" id="main">
        <h1>Reserve console</h1>
        {props.message && <p role="status">{props.message}</p>}
        {props.error && (
          <p role="alert" class="error">
            {props.error}
          </p>
        )}
        <form method="post" action="/console/login">
          <input type="hidden" name="csrf" value={props.token} />
          <label for="key">
            API key
            <input
              id="key"
              name="key"
              type="password"
              autocomplete="off"
              required
              placeholder="rsv_…"
              aria-describedby="key-help"
            />
          </label>
          <small id="key-help">
            The key is checked once; the console then keeps a session for up to {SESSION_ABSOLUTE_MS / 3_600_000} hours
            (30 minutes idle). An administrator creates keys with <code>reserve keys create</code> or{' '}
            <code>POST /v1/keys</code>.
          </small>
          <button type="submit">Sign in</button>
        </form>
      </main>
    </Shell>
  );
}

function loginToken(c: Context, options: ConsoleOptions): string {
  const token = newRandomToken();
  setCookie(c, LOGIN_CSRF_COOKIE, token, cookieOptions(options.cookieSecure, 3600));
  return token;
}

export function loginRoutes(app: Hono<ConsoleEnv>, options: ConsoleOptions) {
  app.get('/login', (c) => {
    const reason = c.req.query('reason');
    return c.html(<LoginPage token={loginToken(c, options)} message={reason ? REASONS[reason] : undefined} />);
  });

  app.post('/login', async (c) => {
    const form = await readForm(c);
    if (!sameToken(form.csrf, getCookie(c, LOGIN_CSRF_COOKIE) ?? '\0'))
      throw new ConsoleRefusal(
        403,
        'Form refused',
        'The sign-in form had expired or did not come from this site. Reload it and try again.',
      );
    const db = options.db;
    const address = clientAddress(c);
    const ctx = c.var.ctx;
    if ((await recentFailures(db, address)) >= SIGN_IN_MAX_FAILURES) {
      const wait = await retryAfterSeconds(db, address);
      ctx.log.warn({ address }, 'console sign-in refused: too many failed attempts from this address');
      c.header('Retry-After', String(wait));
      return c.html(
        <LoginPage
          token={loginToken(c, options)}
          error={`Too many failed sign-ins from your address. Try again in ${Math.ceil(wait / 60)} minutes.`}
        />,
        429,
      );
    }
    const actor = form.key ? await authenticateSecret(db, form.key.trim()) : null;
    if (!actor) {
      await recordFailure(db, address);
      ctx.log.warn({ address }, 'console sign-in failed: unknown, malformed or revoked key');
      await audit(db, ctx, {
        action: 'console.sign_in',
        outcome: 'denied',
        status: 401,
        details: { address },
      });
      return c.html(
        <LoginPage token={loginToken(c, options)} error="That key is unknown, malformed or revoked." />,
        401,
      );
    }
    ctx.actor = actor;
    const session = await createSession(db, actor.keyId!, address);
    await audit(db, ctx, { action: 'console.sign_in', target: actor.keyId, details: { address } });
    deleteCookie(c, LOGIN_CSRF_COOKIE, cookieOptions(options.cookieSecure));
    setCookie(c, SESSION_COOKIE, session.id, cookieOptions(options.cookieSecure, SESSION_ABSOLUTE_MS / 1000));
    return c.redirect('/console', 303);
  });

  app.post('/logout', requireSession(options), requireCsrf, async (c) => {
    await endSession(options.db, getCookie(c, SESSION_COOKIE));
    await audit(options.db, c.var.ctx, { action: 'console.sign_out', target: c.var.page.actor.keyId });
    deleteCookie(c, SESSION_COOKIE, cookieOptions(options.cookieSecure));
    return c.redirect('/console/login?reason=signed_out', 303);
  });
}
