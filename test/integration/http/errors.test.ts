import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';

// Every error class the API answers with: status, problem+json content type and body fields.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

type Response = Awaited<ReturnType<TestApp['request']>>;

function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.json).toMatchObject({ type: `urn:reserve:problem:${code}`, status, code });
  expect(typeof res.json.title).toBe('string');
  expect(res.json.title.length).toBeGreaterThan(0);
  expect(typeof res.json.detail).toBe('string');
  expect(res.headers.get('x-request-id')).toMatch(/\S/);
}

async function keyCount() {
  return (await t.request('GET', '/v1/keys')).json.items.length as number;
}

describe('400 malformed JSON', () => {
  it.each(['{"name":', '{name: "x"}', "{'name':'x'}", '{"name":"x",}'])(
    'refuses %s and writes nothing',
    async (raw) => {
      const before = await keyCount();
      const res = await t.request('POST', '/v1/keys', { raw, headers: { 'content-type': 'application/json' } });
      expectProblem(res, 400, 'malformed_json');
      expect(res.json.detail).toBe('the request body is not valid JSON');
      expect(await keyCount()).toBe(before);
    },
  );
});

describe('401 unauthorized', () => {
  it('without a key', async () => {
    const res = await t.request('GET', '/v1/keys', { key: null });
    expectProblem(res, 401, 'unauthorized');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.json.detail).toContain('API key is required');
  });

  it.each([
    ['an unknown key', `Bearer rsv_${'A'.repeat(43)}`],
    ['a malformed key', 'Bearer not-a-key'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['an empty bearer', 'Bearer '],
  ])('with %s', async (_label, authorization) => {
    const res = await t.request('GET', '/v1/keys', { key: null, headers: { authorization } });
    expectProblem(res, 401, 'unauthorized');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('with a revoked key, which worked a moment before', async () => {
    const created = await t.request('POST', '/v1/keys', { body: { name: 'soon revoked', role: 'auditor' } });
    expect((await t.request('GET', '/v1/audit-log', { key: created.json.secret })).status).toBe(200);
    expect((await t.request('DELETE', `/v1/keys/${created.json.id}`)).status).toBe(200);
    const res = await t.request('GET', '/v1/audit-log', { key: created.json.secret });
    expectProblem(res, 401, 'unauthorized');
  });

  it('is answered before the body is read, so an unauthenticated write writes nothing', async () => {
    const before = await keyCount();
    const res = await t.request('POST', '/v1/keys', { key: null, body: { name: 'anonymous', role: 'admin' } });
    expectProblem(res, 401, 'unauthorized');
    expect(await keyCount()).toBe(before);
  });
});

describe('403 forbidden', () => {
  it.each(['officer', 'approver', 'auditor'] as const)(
    '%s may not manage keys, and nothing is written',
    async (role) => {
      const before = await keyCount();
      const res = await t.request('POST', '/v1/keys', {
        key: t.keys[role],
        body: { name: 'escalation', role: 'admin' },
      });
      expectProblem(res, 403, 'forbidden');
      expect(res.json.detail).toBe(`role ${role} may not do this; allowed: admin`);
      expect(await keyCount()).toBe(before);
    },
  );
});

describe('404 not found', () => {
  it.each(['/nope', '/v1/nope', '/v1/keys/a/b', '/docs/assets/evil.js'])('an unknown route %s', async (path) => {
    const res = await t.request('GET', path);
    expectProblem(res, 404, 'not_found');
  });

  it('an unknown resource', async () => {
    const res = await t.request('DELETE', '/v1/keys/key_00000000000000000000');
    expectProblem(res, 404, 'not_found');
    expect(res.json.detail).toBe('API key key_00000000000000000000 does not exist');
  });
});

describe('405 method not allowed', () => {
  it.each([
    ['PUT', '/v1/keys', ['GET', 'HEAD', 'POST']],
    ['PATCH', '/v1/keys/key_x', ['DELETE']],
    ['POST', '/healthz', ['GET', 'HEAD']],
    ['DELETE', '/v1/audit-log', ['GET', 'HEAD']],
  ])('%s %s lists the allowed methods in Allow', async (method, path, allowed) => {
    const res = await t.request(method, path);
    expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')!.split(', ').sort()).toEqual(allowed);
  });
});

describe('409 conflict', () => {
  it('revoking the last active admin key is refused and changes nothing', async () => {
    const keys = (await t.request('GET', '/v1/keys')).json.items as {
      id: string;
      role: string;
      revoked_at: string | null;
    }[];
    const admins = keys.filter((k) => k.role === 'admin' && !k.revoked_at);
    expect(admins).toHaveLength(1);
    const res = await t.request('DELETE', `/v1/keys/${admins[0]!.id}`);
    expectProblem(res, 409, 'conflict');
    expect((await t.request('GET', '/v1/keys')).status).toBe(200); // the admin key still works
  });
});

describe('413 payload too large', () => {
  it('a body over the limit (1 MiB) is refused before it is parsed', async () => {
    const before = await keyCount();
    const body = JSON.stringify({ name: 'x'.repeat(1024 * 1024), role: 'auditor' });
    const res = await t.request('POST', '/v1/keys', { raw: body, headers: { 'content-type': 'application/json' } });
    expectProblem(res, 413, 'payload_too_large');
    expect(res.json.detail).toBe('the request body is over the limit of 1048576 bytes');
    expect(await keyCount()).toBe(before);
  });

  it('a body just under the limit is read (and then judged on its content)', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(1024 * 1024 - 100), role: 'auditor' });
    const res = await t.request('POST', '/v1/keys', { raw: body, headers: { 'content-type': 'application/json' } });
    expectProblem(res, 422, 'validation_failed');
    expect(res.json.errors).toEqual([{ field: 'name', reason: 'must be at most 200 characters' }]);
  });
});

describe('415 unsupported media type', () => {
  it.each([
    ['text/plain', 'name=x&role=admin'],
    ['application/x-www-form-urlencoded', 'name=x&role=admin'],
    ['multipart/form-data; boundary=x', '--x--'],
    ['application/xml', '<key/>'],
  ])('a %s body', async (type, raw) => {
    const res = await t.request('POST', '/v1/keys', { raw, headers: { 'content-type': type } });
    expectProblem(res, 415, 'unsupported_media_type');
    expect(res.json.detail).toBe(`the body must be application/json, not ${type}`);
  });

  it('a body without a content type', async () => {
    const res = await t.request('POST', '/v1/keys', { raw: new TextEncoder().encode('{"name":"x","role":"admin"}') });
    expectProblem(res, 415, 'unsupported_media_type');
    expect(res.json.detail).toBe('the body must be application/json, not untyped');
  });

  it('accepts application/json with a charset', async () => {
    const res = await t.request('POST', '/v1/keys', {
      raw: '{"name":"charset","role":"auditor"}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(201);
  });
});

describe('422 validation failed', () => {
  it('names every failing field with its reason, and writes nothing', async () => {
    const before = await keyCount();
    const res = await t.request('POST', '/v1/keys', { body: { name: '   ', role: 'boss', colour: 'red' } });
    expectProblem(res, 422, 'validation_failed');
    expect(res.json.errors).toEqual([
      { field: 'name', reason: 'must not be empty' },
      { field: 'role', reason: 'must be one of admin, officer, approver, auditor' },
      { field: 'colour', reason: 'is not a known field' },
    ]);
    expect(res.json.detail).toBe(
      'name: must not be empty; role: must be one of admin, officer, approver, auditor; colour: is not a known field',
    );
    expect(await keyCount()).toBe(before);
  });

  it('a missing field is "required"; a missing body names the body', async () => {
    const partial = await t.request('POST', '/v1/keys', { body: { role: 'auditor' } });
    expect(partial.json.errors).toEqual([{ field: 'name', reason: 'is required' }]);
    const none = await t.request('POST', '/v1/keys', { body: [] });
    expectProblem(none, 422, 'validation_failed');
    expect(none.json.errors).toEqual([{ field: 'body', reason: 'Invalid input: expected object, received array' }]);
  });

  it('names query and path fields by where they came from', async () => {
    const query = await t.request('GET', '/v1/audit-log?limit=0&from=yesterday');
    expectProblem(query, 422, 'validation_failed');
    expect(query.json.errors).toEqual([
      { field: 'query.limit', reason: 'must be at least 1' },
      { field: 'query.from', reason: 'must be an RFC 3339 date-time such as 2026-03-01T00:00:00Z' },
    ]);
    const path = await t.request('DELETE', `/v1/keys/${'k'.repeat(101)}`);
    expectProblem(path, 422, 'validation_failed');
    expect(path.json.errors[0].field).toBe('path.id');
    const cursor = await t.request('GET', '/v1/audit-log?cursor=bm90LWEtY3Vyc29y');
    expect(cursor.json.errors).toEqual([{ field: 'query.cursor', reason: 'not a cursor this API issued' }]);
  });
});

describe('X-Request-Id', () => {
  it('echoes a sane id the client sent, on success and on error', async () => {
    for (const [path, status] of [
      ['/healthz', 200],
      ['/nope', 404],
    ] as const) {
      const res = await t.request('GET', path, { headers: { 'x-request-id': 'client-trace_01:AB.9' } });
      expect(res.status).toBe(status);
      expect(res.headers.get('x-request-id')).toBe('client-trace_01:AB.9');
    }
  });

  it.each([
    ['with spaces', 'a b'],
    ['too long', 'x'.repeat(129)],
    ['with a quote', 'abc"def'],
    ['with a slash', '../etc'],
    ['empty', ''],
  ])('replaces one %s with its own', async (_label, offered) => {
    const res = await t.request('GET', '/healthz', { headers: { 'x-request-id': offered } });
    expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{16}$/);
  });

  it('generates a fresh id per request', async () => {
    const a = (await t.request('GET', '/healthz')).headers.get('x-request-id');
    const b = (await t.request('GET', '/healthz')).headers.get('x-request-id');
    expect(a).not.toBe(b);
  });
});
