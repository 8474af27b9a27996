import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  for (let i = 0; i < 5; i++) await t.request('POST', '/v1/keys', { body: { name: `k${i}`, role: 'officer' } });
});
afterAll(async () => t.close());

function split(text: string) {
  const lines = text.split('\n');
  expect(lines.pop()).toBe(''); // ends with a newline
  const trailer = lines.pop()!;
  return { lines, trailer: JSON.parse(trailer).manifest, bodyBytes: text.slice(0, text.length - trailer.length - 1) };
}

describe('GET /v1/exports/audit-log', () => {
  it('streams every audit row as JSON Lines with a manifest whose SHA-256 covers the body', async () => {
    const res = await t.request('GET', '/v1/exports/audit-log', { key: t.keys.auditor });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/jsonl');
    const { lines, trailer, bodyBytes } = split(res.text);
    const rows = lines.map((l) => JSON.parse(l));
    // four role keys from the harness plus five created here
    expect(rows.filter((r) => r.action === 'keys.create')).toHaveLength(9);
    expect(rows.map((r) => BigInt(r.seq))).toEqual(
      [...rows.map((r) => BigInt(r.seq))].sort((a, b) => (a < b ? -1 : 1)),
    );
    expect(trailer).toMatchObject({
      export: 'audit-log',
      count: rows.length,
      first_seq: rows[0].seq,
      last_seq: rows.at(-1).seq,
    });
    expect(trailer.body_sha256).toBe(createHash('sha256').update(bodyBytes).digest('hex'));
  });

  it('limits to [from, to) and refuses a reversed range, a bad time, and roles other than auditor/admin', async () => {
    const future = await t.request(
      'GET',
      `/v1/exports/audit-log?from=${encodeURIComponent('2999-01-01T00:00:00Z')}&to=${encodeURIComponent('3000-01-01T00:00:00Z')}`,
    );
    expect(future.status).toBe(200);
    const { lines, trailer } = split(future.text);
    expect(lines).toHaveLength(0);
    expect(trailer).toMatchObject({
      count: 0,
      first_seq: null,
      last_seq: null,
      body_sha256: createHash('sha256').digest('hex'),
    });

    const reversed = await t.request('GET', '/v1/exports/audit-log?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(reversed.status).toBe(422);
    expect(reversed.json.errors).toEqual([{ field: 'query.from', reason: 'must be before query.to' }]);
    const bad = await t.request('GET', '/v1/exports/audit-log?from=yesterday');
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].field).toBe('query.from');
    expect((await t.request('GET', '/v1/exports/audit-log', { key: t.keys.officer })).status).toBe(403);
    expect((await t.request('GET', '/v1/exports/audit-log', { key: null })).status).toBe(401);
  });
});
