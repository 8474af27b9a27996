import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf } from '../../../db/client.js';
import { createApp } from '../../../src/app.js';
import { createTestApp, silentLog, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('/healthz and /readyz', () => {
  it('/healthz says the process is up, without a key', async () => {
    const res = await t.request('GET', '/healthz', { key: null });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when the database answers and every migration is applied', async () => {
    const res = await t.request('GET', '/readyz', { key: null });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ready', engine: t.database.engine });
  });

  it('/readyz is 503 when a migration is missing, naming the module', async () => {
    // Forget the platform module's last migration for a moment, then put it back.
    const table = sql`drizzle.migrations_platform`;
    const [last] = rowsOf<{ id: number; hash: string; created_at: bigint }>(
      await t.database.db.execute(sql`select id, hash, created_at from ${table} order by id desc limit 1`),
    );
    await t.database.db.execute(sql`delete from ${table} where id = ${last!.id}`);
    try {
      const res = await t.request('GET', '/readyz', { key: null });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.json.code).toBe('service_unavailable');
      expect(res.json.detail).toMatch(/^database migrations are not current: platform \d+\/\d+$/);
    } finally {
      await t.database.db.execute(
        sql`insert into ${table} (id, hash, created_at) values (${last!.id}, ${last!.hash}, ${last!.created_at})`,
      );
    }
    expect((await t.request('GET', '/readyz', { key: null })).status).toBe(200);
  });

  it('/readyz is 503 when the database does not answer', async () => {
    // A second connection to this test's database (or a bare PGlite), closed under the app.
    const database = await openDatabase(t.database.url ? { databaseUrl: t.database.url, poolSize: 1 } : {});
    const { app } = createApp({ database, config: { BODY_LIMIT_BYTES: 1024 * 1024 }, log: silentLog });
    expect((await app.request('/healthz')).status).toBe(200);
    await database.close();
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'service_unavailable', detail: 'the database does not answer' });
    expect((await app.request('/healthz')).status).toBe(200); // the process is still up
  });
});

describe('/metrics', () => {
  it('counts requests and their durations by method, route pattern and status, plus process metrics', async () => {
    await t.request('GET', '/v1/keys');
    await t.request('GET', '/v1/keys');
    await t.request('GET', '/v1/keys', { key: null });
    await t.request('DELETE', '/v1/keys/key_doesnotexist');
    await t.request('GET', '/no/such/route');
    const res = await t.request('GET', '/metrics', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(text).toContain('reserve_http_requests_total{method="GET",route="/v1/keys",status="200"} 2');
    expect(text).toContain('reserve_http_requests_total{method="GET",route="/v1/keys",status="401"} 1');
    // the route pattern, never the id: labels stay bounded
    expect(text).toContain('reserve_http_requests_total{method="DELETE",route="/v1/keys/:id",status="404"} 1');
    expect(text).not.toContain('key_doesnotexist');
    expect(text).toContain('reserve_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toContain('/no/such/route');
    expect(text).toContain('reserve_http_request_duration_seconds_count{method="GET",route="/v1/keys",status="200"} 2');
    expect(text).toMatch(
      /reserve_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/v1\/keys",status="200"\} \d/,
    );
    expect(text).toMatch(/^reserve_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^reserve_process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^reserve_nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^reserve_nodejs_eventloop_lag_seconds \d/m);
  });
});

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 from the same zod schemas that validate requests', async () => {
    const res = await t.request('GET', '/openapi.json', { key: null });
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const create = doc.paths['/v1/keys'].post;
    expect(create.security).toEqual([{ bearer: [] }]);
    const schema = create.requestBody.content['application/json'].schema;
    const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;
    expect(resolved.required.sort()).toEqual(['name', 'role']);
    expect(resolved.properties.role.enum).toEqual(['admin', 'officer', 'approver', 'auditor']);
    expect(resolved.additionalProperties).toBe(false);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '401', '403', '422']));
    expect(create.responses['422'].content['application/problem+json']).toBeDefined();
  });

  it('documents every API route the app serves', async () => {
    const doc = (await t.request('GET', '/openapi.json', { key: null })).json;
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item))
        documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    }
    // The docs page, the document itself and the console's HTML pages (docs/console.md) are not API operations.
    const isPage = (path: string) =>
      path.startsWith('/docs') || path === '/openapi.json' || path === '/' || path.startsWith('/console');
    const undocumented = t.app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.includes('*') && !isPage(r.path))
      .map((r) => `${r.method} ${r.path}`)
      .filter((route) => !documented.has(route));
    expect(undocumented).toEqual([]);
  });
});

describe('/docs', () => {
  const EXTERNAL = /(https?:)?\/\/[a-z0-9.-]+/i;

  it('is an HTML page whose every script, style and icon comes from this server', async () => {
    const res = await t.request('GET', '/docs', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).not.toMatch(EXTERNAL);
    const refs = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toEqual([
      '/docs/assets/swagger-ui.css',
      '/docs/assets/favicon-32x32.png',
      '/docs/assets/swagger-ui-bundle.js',
      '/docs/init.js',
    ]);
    for (const ref of refs) {
      const asset = await t.request('GET', ref, { key: null });
      expect(asset.status, ref).toBe(200);
      expect(asset.text.length, ref).toBeGreaterThan(0);
    }
  });

  it('its init script loads the local document and turns off the online validator', async () => {
    const res = await t.request('GET', '/docs/init.js', { key: null });
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.text).not.toMatch(EXTERNAL);
    expect(res.text).toContain("url: '/openapi.json'");
    expect(res.text).toContain('validatorUrl: null');
  });

  it('serves only its known assets', async () => {
    for (const path of [
      '/docs/assets/..%2F..%2Fpackage.json',
      '/docs/assets/index.html',
      '/docs/assets/swagger-initializer.js',
    ]) {
      const res = await t.request('GET', path, { key: null });
      expect(res.status, path).toBe(404);
    }
  });
});
