import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  // Some history: key changes made through the API, each with its audit row.
  for (let i = 0; i < 6; i++) {
    const created = await t.request('POST', '/v1/keys', {
      body: { name: `k${i}`, role: 'auditor' },
      headers: { 'x-request-id': `seed-${i}` },
    });
    expect(created.status).toBe(201);
  }
});
afterAll(async () => t.close());

interface Entry {
  seq: string;
  at: string;
  action: string;
  method: string | null;
  route: string | null;
  request_id: string | null;
  actor_key_id: string | null;
  actor_role: string;
  outcome: string;
  target: string | null;
}

async function everything(): Promise<Entry[]> {
  const res = await t.request('GET', '/v1/audit-log?limit=1000');
  expect(res.json.next_cursor).toBeNull();
  return res.json.items;
}

describe('GET /v1/audit-log', () => {
  it('records each mutating request: actor key and role, method, route, target, request id, outcome, time', async () => {
    const created = await t.request('POST', '/v1/keys', {
      body: { name: 'recorded', role: 'officer' },
      headers: { 'x-request-id': 'rec-1' },
    });
    const revoked = await t.request('DELETE', `/v1/keys/${created.json.id}`, { headers: { 'x-request-id': 'rec-2' } });
    expect(revoked.status).toBe(200);
    const admin = (await t.request('GET', '/v1/keys')).json.items.find(
      (k: { name: string }) => k.name === 'test admin',
    );
    const rows = (await everything()).filter((r) => r.request_id === 'rec-1' || r.request_id === 'rec-2');
    expect(rows).toMatchObject([
      {
        action: 'keys.create',
        method: 'POST',
        route: '/v1/keys',
        target: created.json.id,
        actor_key_id: admin.id,
        actor_role: 'admin',
        outcome: 'ok',
        request_id: 'rec-1',
      },
      {
        action: 'keys.revoke',
        method: 'DELETE',
        route: '/v1/keys/:id',
        target: created.json.id,
        actor_key_id: admin.id,
        actor_role: 'admin',
        outcome: 'ok',
        request_id: 'rec-2',
      },
    ]);
    for (const row of rows) expect(Date.now() - Date.parse(row.at)).toBeLessThan(60_000);
  });

  it('writes no row for a request that was refused', async () => {
    const before = (await everything()).length;
    expect((await t.request('POST', '/v1/keys', { body: { name: '', role: 'auditor' } })).status).toBe(422);
    expect(
      (await t.request('POST', '/v1/keys', { key: t.keys.officer, body: { name: 'x', role: 'admin' } })).status,
    ).toBe(403);
    expect((await t.request('DELETE', '/v1/keys/key_missing')).status).toBe(404);
    expect((await t.request('GET', '/v1/keys')).status).toBe(200); // reads are not audited
    expect((await everything()).length).toBe(before);
  });

  it('pages through every row exactly once, oldest first, by cursor', async () => {
    const all = await everything();
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const limit of [1, 2, 5]) {
      const seen: Entry[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: Awaited<ReturnType<TestApp['request']>> = await t.request(
          'GET',
          `/v1/audit-log?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.json.items.length).toBeLessThanOrEqual(limit);
        seen.push(...res.json.items);
        cursor = res.json.next_cursor;
        pages++;
      } while (cursor);
      expect(seen.map((r) => r.seq)).toEqual(all.map((r) => r.seq));
      expect(pages).toBe(Math.ceil(all.length / limit));
    }
    const seqs = all.map((r) => BigInt(r.seq));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!).toBe(true);
  });

  it('a cursor keeps its place while rows are appended', async () => {
    const first = await t.request('GET', '/v1/audit-log?limit=2');
    await t.request('POST', '/v1/keys', { body: { name: 'appended', role: 'auditor' } });
    const rest: Entry[] = [];
    let cursor: string | null = first.json.next_cursor;
    while (cursor) {
      const res: Awaited<ReturnType<TestApp['request']>> = await t.request(
        'GET',
        `/v1/audit-log?limit=3&cursor=${cursor}`,
      );
      rest.push(...res.json.items);
      cursor = res.json.next_cursor;
    }
    expect([...first.json.items, ...rest].map((r: Entry) => r.seq)).toEqual((await everything()).map((r) => r.seq));
    expect(rest[rest.length - 1]!.action).toBe('keys.create');
  });

  it('filters by time, from inclusive and to exclusive', async () => {
    const all = await everything();
    const pivot = all[3]!.at;
    const from = (await t.request('GET', `/v1/audit-log?limit=1000&from=${encodeURIComponent(pivot)}`)).json
      .items as Entry[];
    const to = (await t.request('GET', `/v1/audit-log?limit=1000&to=${encodeURIComponent(pivot)}`)).json
      .items as Entry[];
    expect(from.every((r) => r.at >= pivot)).toBe(true);
    expect(to.every((r) => r.at < pivot)).toBe(true);
    expect(from.length + to.length).toBe(all.length);
  });

  it('refuses a cursor it did not issue and a limit out of range', async () => {
    for (const query of [
      'cursor=abc',
      `cursor=${Buffer.from('{"seq":"-1"}').toString('base64url')}`,
      'limit=1001',
      'limit=0',
      'limit=two',
    ]) {
      const res = await t.request('GET', `/v1/audit-log?${query}`);
      expect(res.status, query).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('is for admin and auditor only', async () => {
    expect((await t.request('GET', '/v1/audit-log', { key: t.keys.admin })).status).toBe(200);
    expect((await t.request('GET', '/v1/audit-log', { key: t.keys.auditor })).status).toBe(200);
    for (const role of ['officer', 'approver'] as const) {
      const res = await t.request('GET', '/v1/audit-log', { key: t.keys[role] });
      expect(res.status).toBe(403);
      expect(res.json.code).toBe('forbidden');
    }
    expect((await t.request('GET', '/v1/audit-log', { key: null })).status).toBe(401);
  });
});

describe('the audit_log table', () => {
  async function snapshot() {
    return JSON.stringify(rowsOf(await t.database.db.execute(sql`select * from audit_log order by seq`)), (_k, v) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
  }

  it.each([
    ['UPDATE', sql`update audit_log set outcome = 'error' where seq = (select min(seq) from audit_log)`],
    ['UPDATE of every row', sql`update audit_log set actor_role = 'admin'`],
    ['DELETE', sql`delete from audit_log where seq = (select max(seq) from audit_log)`],
    ['DELETE of every row', sql`delete from audit_log`],
    ['TRUNCATE', sql`truncate audit_log`],
  ])('refuses %s in the database itself', async (_label, statement) => {
    const before = await snapshot();
    const error = await t.database.db.execute(statement).then(
      () => null,
      (e: unknown) => e as Error & { cause?: Error },
    );
    expect(error).not.toBeNull();
    expect(error!.cause?.message ?? error!.message).toMatch(
      /audit_log is append-only: (UPDATE|DELETE|TRUNCATE) refused/,
    );
    expect(await snapshot()).toBe(before);
  });

  it('still accepts appends', async () => {
    const before = (await everything()).length;
    await t.database.db.execute(
      sql`insert into audit_log (actor_role, action, outcome) values ('system', 'test.append', 'ok')`,
    );
    expect((await everything()).length).toBe(before + 1);
  });
});
