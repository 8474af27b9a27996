import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../support/openapi.js';
import { createTestApp, type TestApp } from '../../support/app.js';

// Unknown query parameters are a 422 naming each one, on every route of the OpenAPI document
// (src/http/strict-query.ts, installed by createRouter); known ones still work.

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

describe('unknown query parameters', () => {
  it('on the policies routes: 422 naming the parameter, nothing else changed', async () => {
    const res = await app.request('GET', '/v1/policies?sites=1&colour=blue');
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([
      { field: 'query.sites', reason: 'is not a known field' },
      { field: 'query.colour', reason: 'is not a known field' },
    ]);
    expect(res.json.detail).toBe(
      'query.sites: is not a known field; query.colour: is not a known field (this route takes no query parameters)',
    );
    const listed = await app.request('GET', '/v1/policies/regtest-cold/addresses?cont=2');
    expect(listed.status).toBe(422);
    expect(listed.json.errors[0].field).toBe('query.cont');
    expect((await app.request('GET', '/v1/policies')).status).toBe(200);
  });

  it('on every GET route of the OpenAPI document', async () => {
    const doc = (await app.request('GET', '/openapi.json')).json;
    const gets = operations(doc).filter((op) => op.method.toLowerCase() === 'get' && op.path.startsWith('/v1/'));
    expect(gets.length).toBeGreaterThan(10);
    const answered: string[] = [];
    for (const op of gets) {
      const path = op.path.replace(/\{[^}]+\}/g, 'x');
      const res = await app.request('GET', `${path}?zz_unknown=1`, { unchecked: true });
      if (res.status !== 422 || !JSON.stringify(res.json?.errors ?? []).includes('query.zz_unknown'))
        answered.push(`${op.path}: ${res.status}`);
    }
    expect(answered).toEqual([]);
  });
});
