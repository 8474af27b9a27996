import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { requireRole } from '../../../src/http/auth.js';
import { createKey } from '../../../src/keys/service.js';
import { createLogger } from '../../../src/logger.js';
import { systemCtx } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

// A 500 tells the client only that it happened and under which request id; the log has
// the rest. The app is built here with a logger whose lines the test reads.

let database: TestDatabase;
let app: ReturnType<typeof createApp>['app'];
let adminKey: string;
const lines: string[] = [];
const logged = () => lines.map((l) => JSON.parse(l) as Record<string, any>);

beforeAll(async () => {
  database = await createTestDatabase();
  const log = createLogger('info', { write: (line: string) => void lines.push(line) });
  app = createApp({ database, config: { BODY_LIMIT_BYTES: 1024 * 1024 }, log }).app;
  // Routes that fail the ways real code fails: bad SQL, a thrown Error carrying internals.
  app.get('/v1/test/bad-sql', requireRole('auditor'), async (c) => {
    await c.var.ctx.db.execute(sql`select secret_column from no_such_table_q7 where password = 'hunter2'`);
    return c.json({});
  });
  app.post('/v1/test/throws', requireRole('auditor'), () => {
    throw new TypeError(
      'cannot read properties of undefined (reading "xpub") at /srv/reserve/src/custody/derive.ts:42',
    );
  });
  adminKey = (await createKey({ ctx: systemCtx(database), input: { name: 'admin', role: 'admin' } })).secret;
});
afterAll(async () => database.close());

async function call(method: string, path: string, requestId: string, body?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${adminKey}`, 'x-request-id': requestId };
  if (body) headers['content-type'] = 'application/json';
  const res = await app.request(path, { method, headers, body });
  return { res, text: await res.text() };
}

describe('500 internal error', () => {
  it.each([
    ['GET', '/v1/test/bad-sql', 'trace-sql-1', undefined, ['no_such_table_q7', 'hunter2', 'secret_column', 'select']],
    ['POST', '/v1/test/throws', 'trace-throw-1', '{}', ['xpub', 'derive.ts', 'TypeError', '/srv/reserve']],
  ] as const)(
    '%s %s: no stack, SQL or message reaches the client; the log has them under the request id',
    async (method, path, requestId, body, internals) => {
      const { res, text } = await call(method, path, requestId, body);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(JSON.parse(text)).toEqual({
        type: 'urn:reserve:problem:internal',
        title: 'Internal server error',
        status: 500,
        code: 'internal',
        detail: `an internal error occurred; the operators can find it in the log under request id ${requestId}`,
        request_id: requestId,
      });
      for (const internal of internals) expect(text.toLowerCase()).not.toContain(internal.toLowerCase());
      expect(text).not.toMatch(/\bat \S+:\d+/); // no stack frame

      const entry = logged().find((l) => l.msg === 'unhandled error' && l.req_id === requestId);
      expect(entry).toBeDefined();
      expect(entry!.path).toBe(path);
      expect(entry!.err.stack).toEqual(expect.any(String));
      const detail = JSON.stringify(entry!.err);
      expect(detail).toContain(internals[0]);
      const access = logged().find((l) => l.msg === 'request' && l.req_id === requestId);
      expect(access).toMatchObject({ status: 500, method, route: path });
    },
  );

  it('never logs the bearer key of the request that failed', async () => {
    await call('GET', '/v1/test/bad-sql', 'trace-sql-2');
    expect(lines.join('\n')).not.toContain(adminKey);
  });
});
