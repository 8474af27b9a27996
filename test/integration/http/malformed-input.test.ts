// Every operation of /openapi.json called with malformed input: odd path parameters, odd query
// values, bodies of the wrong type, huge and deeply nested JSON, injection-looking strings. No call
// may answer 500; every refusal is application/problem+json; and the harness checks each answer
// against the route's declared responses. Generated from the document, so new routes are swept too.
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../support/app.js';
import {
  fillPath,
  type Operation,
  operations,
  requiredQuery,
  resolve,
  type Schema,
  withQuery,
} from '../../support/openapi.js';
import { signEvent, TEST_SECRET } from '../../support/webhook.js';

const BODY_LIMIT = 64 * 1024;
const app = await createTestApp({ webhookSecrets: [TEST_SECRET], bodyLimitBytes: BODY_LIMIT });
afterAll(() => app.close());

const doc: Schema = (await app.request('GET', '/openapi.json', { key: null })).json;
const ops = operations(doc);
const HMAC = new Set(['POST /v1/webhooks/fleet']);

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE api_keys; --",
  '"); SELECT pg_sleep(10); --',
  `$${'{'}jndi:ldap://x/a}`, // the Log4Shell form, spelt so no linter reads it as a template
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '\u0000',
  '\u202e',
  '💩',
];

/** Path values: sent raw (already URL-encoded where needed). */
const ODD_PATH = [
  'x',
  '-1',
  '1.5',
  '1e309',
  '99999999999999999999999999',
  '4294967296',
  '2147483648',
  '%00',
  '%27%20OR%20%271%27%3D%271',
  '%3Cscript%3E',
  '%F0%9F%92%A9',
  '%E2%80%AE',
  '..%2F..%2Fetc',
  '%25',
  'a'.repeat(300),
  '0'.repeat(64).replace(/0$/, 'g'),
];

const ODD_QUERY = [
  'x',
  '',
  '-1',
  '0',
  '1.5',
  '1e400',
  'NaN',
  'true',
  '[]',
  '{"$gt":""}',
  '2026-13-45',
  '2026-01-01T25:61:00Z',
  '99999999999999999999',
  'a'.repeat(5000),
  ...INJECTIONS,
];

const WRONG_VALUES: unknown[] = [123, -1, 1.5, 'x', '', true, null, [], {}, [1, 2], { a: 1 }, '9'.repeat(400)];

function deep(depth: number, open: string, close: string, leaf: string) {
  return open.repeat(depth) + leaf + close.repeat(depth);
}

/** Raw bodies: not JSON, JSON of the wrong shape, nested past reason, or over the limit. */
const RAW_BODIES: string[] = [
  '',
  '{',
  '{"a":',
  'nul',
  'null',
  '[]',
  '"x"',
  '123',
  'true',
  '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}',
  deep(5000, '[', ']', '1'),
  deep(3000, '{"a":', '}', '1'),
  `[${Array.from({ length: 10_000 }, (_, i) => i).join(',')}]`,
  `{"x":"${'a'.repeat(BODY_LIMIT)}"}`,
  '\uFEFF{}',
  '{"a":1,"a":2}',
];

/** Bodies built from the declared schema: each property in turn of a wrong type, or injection text everywhere. */
function schemaBodies(schema: Schema | undefined): unknown[] {
  const s = resolve(doc, schema);
  const properties: Schema = s?.properties ?? {};
  const names = Object.keys(properties);
  const bodies: unknown[] = [{}, { unknown_field: 1 }];
  for (const name of names) for (const value of WRONG_VALUES) bodies.push({ [name]: value });
  for (const text of INJECTIONS) bodies.push(Object.fromEntries(names.map((n) => [n, text])));
  // A nested array property gets one item of wrong types too.
  for (const name of names) {
    const p = resolve(doc, properties[name]);
    if (p?.type !== 'array') continue;
    const item = resolve(doc, p.items);
    const inner = Object.keys(item?.properties ?? {});
    bodies.push({ [name]: [Object.fromEntries(inner.map((n) => [n, { $gt: '' }]))] });
    bodies.push({ [name]: Array.from({ length: 5000 }, () => ({})) });
  }
  return bodies;
}

interface Call {
  label: string;
  path: string;
  raw?: string;
  contentType?: string;
}

function callsFor(op: Operation): Call[] {
  const calls: Call[] = [];
  const query = requiredQuery(op);
  for (const p of op.parameters.filter((x) => x.in === 'path')) {
    for (const value of ODD_PATH)
      calls.push({
        label: `path ${p.name}=${value.slice(0, 40)}`,
        path: withQuery(fillPath(op, { [p.name]: value }, true), query),
      });
  }
  for (const p of op.parameters.filter((x) => x.in === 'query')) {
    for (const value of ODD_QUERY) {
      const q = new URLSearchParams(query);
      q.set(p.name, value);
      calls.push({ label: `query ${p.name}=${value.slice(0, 40)}`, path: withQuery(fillPath(op), q) });
    }
    const twice = new URLSearchParams(query);
    twice.delete(p.name);
    twice.append(p.name, 'a');
    twice.append(p.name, 'b');
    calls.push({ label: `query ${p.name} twice`, path: withQuery(fillPath(op), twice) });
  }
  calls.push({
    label: 'unknown query parameters',
    path: withQuery(
      fillPath(op),
      new URLSearchParams({ ...Object.fromEntries(query), __proto__x: '1', constructor: 'x' }),
    ),
  });
  if (op.body || op.method !== 'GET') {
    const path = withQuery(fillPath(op), query);
    for (const raw of RAW_BODIES) calls.push({ label: `body ${raw.slice(0, 40)}`, path, raw });
    for (const body of schemaBodies(op.body))
      calls.push({ label: `body ${JSON.stringify(body).slice(0, 60)}`, path, raw: JSON.stringify(body) });
    calls.push({ label: 'text/plain body', path, raw: '{}', contentType: 'text/plain' });
  }
  return calls;
}

async function send(op: Operation, call: Call) {
  const headers: Record<string, string> = {};
  if (call.raw !== undefined) headers['content-type'] = call.contentType ?? 'application/json';
  if (HMAC.has(op.name) && call.raw !== undefined) Object.assign(headers, signEvent(null, { body: call.raw }).headers);
  if (call.contentType) headers['content-type'] = call.contentType;
  return app.request(op.method, call.path, { raw: call.raw, headers });
}

describe('malformed input: never a 500, always problem+json', () => {
  it('sweeps every operation of the document', () => {
    expect(ops.length).toBeGreaterThan(40);
  });

  it.each(ops.map((op) => [op.name, op] as const))('%s', async (_, op) => {
    const failures: string[] = [];
    const calls = callsFor(op);
    for (const call of calls) {
      let res: Awaited<ReturnType<typeof app.request>>;
      try {
        res = await send(op, call);
      } catch (error) {
        // The harness throws when the answer does not match the route's declaration.
        failures.push(`${call.label}: ${(error as Error).message.split('\n').slice(0, 3).join(' | ')}`);
        continue;
      }
      if (res.status >= 500) failures.push(`${call.label}: ${res.status} ${res.text.slice(0, 200)}`);
      else if (res.status >= 400 && !/^application\/problem\+json/.test(res.headers.get('content-type') ?? ''))
        failures.push(`${call.label}: ${res.status} not problem+json`);
    }
    expect(calls.length).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});
