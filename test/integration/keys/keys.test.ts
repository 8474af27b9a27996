import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('API keys', () => {
  it('creates a key whose secret works once shown, and lists it without the secret', async () => {
    const created = await t.request('POST', '/v1/keys', { body: { name: 'ops laptop', role: 'officer' } });
    expect(created.status).toBe(201);
    expect(created.json.secret).toMatch(/^rsv_/);
    expect(created.json.role).toBe('officer');
    const listed = await t.request('GET', '/v1/keys');
    expect(listed.status).toBe(200);
    const row = listed.json.items.find((k: { id: string }) => k.id === created.json.id);
    expect(row).toBeDefined();
    expect(JSON.stringify(listed.json)).not.toContain(created.json.secret);
    // the new officer key authenticates but may not manage keys
    const asOfficer = await t.request('GET', '/v1/keys', { key: created.json.secret });
    expect(asOfficer.status).toBe(403);
  });

  it('revokes a key: 401 afterwards, revoking again changes nothing', async () => {
    const created = await t.request('POST', '/v1/keys', { body: { name: 'temp', role: 'auditor' } });
    expect((await t.request('GET', '/v1/audit-log', { key: created.json.secret })).status).toBe(200);
    const revoked = await t.request('DELETE', `/v1/keys/${created.json.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.revoked_at).not.toBeNull();
    expect((await t.request('GET', '/v1/audit-log', { key: created.json.secret })).status).toBe(401);
    const again = await t.request('DELETE', `/v1/keys/${created.json.id}`);
    expect(again.status).toBe(200);
    expect(again.json.revoked_at).toBe(revoked.json.revoked_at);
  });

  it('refuses to revoke the last active admin key', async () => {
    const keys = await t.request('GET', '/v1/keys');
    const admins = keys.json.items.filter(
      (k: { role: string; revoked_at: string | null }) => k.role === 'admin' && !k.revoked_at,
    );
    expect(admins).toHaveLength(1);
    const refused = await t.request('DELETE', `/v1/keys/${admins[0].id}`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
  });

  it('404 for an unknown key id', async () => {
    const res = await t.request('DELETE', '/v1/keys/key_nope');
    expect(res.status).toBe(404);
    expect(res.json.code).toBe('not_found');
  });

  it('writes an audit row for each key change, with actor and request id', async () => {
    const created = await t.request('POST', '/v1/keys', {
      body: { name: 'audited', role: 'approver' },
      headers: { 'x-request-id': 'trace-123' },
    });
    const log = await t.request('GET', '/v1/audit-log?limit=1000');
    const row = log.json.items.find((r: { target: string }) => r.target === created.json.id);
    expect(row).toMatchObject({ action: 'keys.create', request_id: 'trace-123', actor_role: 'admin', outcome: 'ok' });
    expect(row.actor_key_id).toMatch(/^key_/);
  });
});
