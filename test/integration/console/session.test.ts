// The console's sign-in, session and form security, in-process on a real database: hashed session
// ids, cookie flags, idle and absolute expiry, revocation, CSRF, the sign-in rate limit, roles.
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { createApp } from '../../../src/app.js';
import { SIGN_IN_MAX_FAILURES } from '../../../src/console/session.js';
import { createTestApp, silentLog, type TestApp } from '../../support/app.js';
import { consoleClient, csrfOf, signIn } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
}, 180_000);
afterAll(() => t.close());

const rows = async (query: string) => rowsOf(await t.database.db.execute(sql.raw(query)));
const count = async (table: string) => Number((await rows(`select count(*)::int as n from ${table}`))[0]?.n);

describe('signing in', () => {
  it('/ goes to the sign-in page, which carries a strict CSP and a form token', async () => {
    const root = await t.app.request('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/login');
    const page = await consoleClient(t).get('/console/login');
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script at all
    expect(csrfOf(page.text)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a good key makes a session: the cookie is HttpOnly, SameSite=Strict, and only its hash is stored', async () => {
    const client = consoleClient(t);
    const res = await signIn(client, t.keys.officer);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('rsv_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    expect(cookie).not.toMatch(/Secure/);
    const id = client.cookies.get('rsv_session')!;
    const stored = await rows('select id_hash from console_sessions');
    expect(stored.map((r) => r.id_hash)).toContain(createHash('sha256').update(id).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(id);
    const overview = await client.get('/console');
    expect(overview.status).toBe(200);
    expect(overview.text).toContain('test officer');
    expect(overview.headers.get('cache-control')).toBe('no-store');
  });

  it('the cookie is Secure when CONSOLE_COOKIE_SECURE=on', async () => {
    const { app } = createApp({
      database: t.database,
      config: { BODY_LIMIT_BYTES: 1 << 20, CONSOLE_COOKIE_SECURE: 'on' },
      log: silentLog,
    });
    const client = consoleClient({ ...t, app });
    const res = await signIn(client, t.keys.auditor);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('rsv_session='))).toMatch(/; Secure/);
  });

  it('a form without the sign-in token is refused before the key is looked at', async () => {
    const client = consoleClient(t, '192.0.2.50');
    const res = await client.post('/console/login', { key: t.keys.admin });
    expect(res.status).toBe(403);
    expect(client.cookies.has('rsv_session')).toBe(false);
  });

  it('failed sign-ins are logged in the audit log and rate-limited per address', async () => {
    const auditBefore = await count("audit_log where action = 'console.sign_in' and outcome = 'denied'");
    const client = consoleClient(t, '198.51.100.7');
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) {
      const res = await signIn(client, `rsv_${'x'.repeat(40)}`);
      expect(res.status).toBe(401);
      expect(res.text).toContain('unknown, malformed or revoked');
    }
    expect(await count("audit_log where action = 'console.sign_in' and outcome = 'denied'")).toBe(
      auditBefore + SIGN_IN_MAX_FAILURES,
    );
    // Now even the right key is refused from that address, and it says when to come back.
    const limited = await signIn(client, t.keys.admin);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(client.cookies.has('rsv_session')).toBe(false);
    // Another address is not affected.
    expect((await signIn(consoleClient(t, '198.51.100.8'), t.keys.admin)).status).toBe(303);
  });
});

describe('a session', () => {
  it('without one, a page sends the browser to sign in', async () => {
    const res = await consoleClient(t).get('/console/coins');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/login?reason=required');
  });

  it('sign-out ends it: the row is gone and the old cookie opens nothing', async () => {
    const client = consoleClient(t);
    await signIn(client, t.keys.approver);
    const id = client.cookies.get('rsv_session')!;
    const page = await client.get('/console');
    const out = await client.post('/console/logout', { csrf: csrfOf(page.text) });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/login?reason=signed_out');
    const hash = createHash('sha256').update(id).digest('hex');
    expect(await rows(`select 1 from console_sessions where id_hash = '${hash}'`)).toEqual([]);
    const replay = consoleClient(t);
    replay.cookies.set('rsv_session', id);
    expect((await replay.get('/console')).headers.get('location')).toBe('/console/login?reason=expired');
  });

  it('ends after the idle timeout and after the absolute lifetime', async () => {
    for (const column of ['last_seen_at', 'expires_at']) {
      const client = consoleClient(t);
      await signIn(client, t.keys.auditor);
      const hash = createHash('sha256').update(client.cookies.get('rsv_session')!).digest('hex');
      const shift = column === 'last_seen_at' ? "now() - interval '31 minutes'" : "now() - interval '1 second'";
      // created_at moves back too, so that the check constraint (expires_at > created_at) holds.
      await rows(
        `update console_sessions set created_at = now() - interval '13 hours', ${column} = ${shift} where id_hash = '${hash}'`,
      );
      const res = await client.get('/console');
      expect(res.headers.get('location'), column).toBe('/console/login?reason=expired');
      expect(await rows(`select 1 from console_sessions where id_hash = '${hash}'`)).toEqual([]);
    }
  });

  it("a revoked key's session ends at the next request", async () => {
    const created = await t.request('POST', '/v1/keys', { body: { name: 'to revoke', role: 'officer' } });
    const client = consoleClient(t);
    await signIn(client, created.json.secret);
    expect((await client.get('/console/vaults')).status).toBe(200);
    expect((await t.request('DELETE', `/v1/keys/${created.json.id}`)).status).toBeLessThan(300);
    const res = await client.get('/console/vaults');
    expect(res.headers.get('location')).toBe('/console/login?reason=revoked');
    expect(await rows(`select 1 from console_sessions where key_id = '${created.json.id}'`)).toEqual([]);
  });
});

describe('forms and roles', () => {
  const issue = (client: ReturnType<typeof consoleClient>, fields: Record<string, string>) =>
    client.post('/console/vaults/regtest-warm/addresses', fields);

  it('a form without the CSRF token, or with another session’s, is refused and writes nothing', async () => {
    const officer = consoleClient(t);
    await signIn(officer, t.keys.officer);
    const other = consoleClient(t);
    await signIn(other, t.keys.officer);
    const otherToken = csrfOf((await other.get('/console/vaults/regtest-warm')).text);
    const before = { audit: await count('audit_log'), addresses: await count('policy_addresses') };
    expect((await issue(officer, { label: 'no-token' })).status).toBe(403);
    expect((await issue(officer, { label: 'other-token', csrf: otherToken })).status).toBe(403);
    expect({ audit: await count('audit_log'), addresses: await count('policy_addresses') }).toEqual(before);
  });

  it('an officer issues an address through the same verb as the API, audited', async () => {
    const officer = consoleClient(t);
    await signIn(officer, t.keys.officer);
    const page = await officer.get('/console/vaults/regtest-warm');
    expect(page.text).toContain('Issue the next receive address');
    const res = await issue(officer, { csrf: csrfOf(page.text), label: 'console/site-1', site: '', pool: '' });
    expect(res.status).toBe(303);
    const address = decodeURIComponent(/issued=([^#&]+)/.exec(res.headers.get('location')!)![1]!);
    const viaApi = await t.request('GET', `/v1/addresses/${address}`);
    expect(viaApi.json).toMatchObject({ policy_id: 'regtest-warm', state: 'issued', label: 'console/site-1' });
    const shown = await officer.get(res.headers.get('location')!);
    expect(shown.text).toContain(`QR code of bitcoin:${address}`);
    const [row] = await rows('select actor_role, action from audit_log order by seq desc limit 1');
    expect(row).toEqual({ actor_role: 'officer', action: expect.stringMatching(/address/) });
  });

  it('a bad label is a 422 page naming the field, and issues nothing', async () => {
    const officer = consoleClient(t);
    await signIn(officer, t.keys.officer);
    const token = csrfOf((await officer.get('/console/vaults/regtest-warm')).text);
    const before = await count('policy_addresses');
    const res = await issue(officer, { csrf: token, label: 'x'.repeat(201) });
    expect(res.status).toBe(422);
    expect(res.text).toContain('label: must be at most 200 characters');
    expect(await count('policy_addresses')).toBe(before);
  });

  it('an auditor sees no action and gets a 403 posting one by hand; an officer gets a 403 on the ledger', async () => {
    const auditor = consoleClient(t);
    await signIn(auditor, t.keys.auditor);
    const page = await auditor.get('/console/vaults/regtest-warm');
    expect(page.text).not.toContain('Issue the next receive address');
    const res = await issue(auditor, { csrf: csrfOf(page.text), label: 'auditor' });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const officer = consoleClient(t);
    await signIn(officer, t.keys.officer);
    expect((await officer.get('/console/ledger')).status).toBe(403);
    expect((await officer.get('/console/exports/ledger?format=csv')).status).toBe(403);
  });

  it("the auditor's ledger export is the API's, byte for byte", async () => {
    const auditor = consoleClient(t);
    await signIn(auditor, t.keys.auditor);
    const viaConsole = await auditor.get('/console/exports/ledger?format=csv');
    const viaApi = await t.request('GET', '/v1/exports/ledger?format=csv', { key: t.keys.auditor });
    expect(viaConsole.status).toBe(200);
    // The manifest line carries generated_at; everything before it is the same.
    const body = (s: string) =>
      s
        .split('\n')
        .filter((l) => !l.startsWith('manifest'))
        .join('\n');
    expect(body(viaConsole.text)).toBe(body(viaApi.text));
  });

  it('the JSON-only guard still holds on /v1, and only there', async () => {
    const form = await t.request('POST', '/v1/keys', {
      raw: 'name=x&role=admin',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
  });
});

describe('the public page', () => {
  it('is off unless PUBLIC_PAGE=on; on, it needs no session and may be cached', async () => {
    expect((await t.app.request('/console/public')).status).toBe(404);
    const { app } = createApp({
      database: t.database,
      config: { BODY_LIMIT_BYTES: 1 << 20, PUBLIC_PAGE: 'on' },
      log: silentLog,
    });
    const res = await app.request('/console/public');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.getSetCookie()).toEqual([]);
    const text = await res.text();
    expect(text).toContain('Check it yourself');
    expect(text).toContain('No vault discloses its addresses');
  });
});
