// Reading the app's own /openapi.json, so that tests over "every route" are generated from it
// and pick up a route the day it is declared (the role matrix, the malformed-input sweep).
import type { Role } from '../../src/context.js';

export type Schema = Record<string, any>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  method: string;
  /** OpenAPI form: /v1/utxos/{txid}/{vout}. */
  path: string;
  name: string;
  bearer: boolean;
  /** The roles the route admits (x-roles, written by createRouter from requireRole); undefined when none. */
  roles: Role[] | undefined;
  parameters: Parameter[];
  /** The JSON request body schema, $refs resolved at the top level. */
  body: Schema | undefined;
}

export function resolve(doc: Schema, schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 20; hops++) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = doc.components?.schemas?.[name];
  }
  return current;
}

export function operations(doc: Schema): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      out.push({
        method: method.toUpperCase(),
        path,
        name: `${method.toUpperCase()} ${path}`,
        bearer: (op.security ?? []).some((s: Schema) => 'bearer' in s),
        roles: op['x-roles'],
        parameters: op.parameters ?? [],
        body: resolve(doc, bodySchema),
      });
    }
  }
  return out;
}

// Values a real client might send, tried in order until one fits the parameter's schema.
const PLAUSIBLE = [
  '1',
  'regtest-cold',
  '0'.repeat(64),
  'key_00000000000000000000',
  'adj_00000000000000000000',
  'bcrt1qm3ehq2uyqyfyzk5t9v5d3qnyjsk2l8q0p9a3uf',
  '2026-01-01',
  '2026-01-01T00:00:00Z',
];

export function plausibleValue(schema: Schema | undefined): string {
  if (!schema) return '1';
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return String(schema.enum[0]);
  if (schema.type === 'integer' || schema.type === 'number') return String(schema.minimum ?? 1);
  if (schema.format === 'date') return '2026-01-01';
  if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
  const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern) : undefined;
  const fits = (v: string) =>
    (!pattern || pattern.test(v)) &&
    v.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY) &&
    v.length >= (schema.minLength ?? 0);
  return PLAUSIBLE.find(fits) ?? 'x';
}

/** The path with each parameter plausible, unless `override` gives it a value (sent URL-encoded unless raw). */
export function fillPath(op: Operation, override: Record<string, string> = {}, raw = false): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name in override) return raw ? override[name]! : encodeURIComponent(override[name]!);
    const parameter = op.parameters.find((p) => p.in === 'path' && p.name === name);
    return encodeURIComponent(plausibleValue(parameter?.schema));
  });
}

/** The required query parameters, each plausible (so a call reaches the route's own logic). */
export function requiredQuery(op: Operation, except?: string): URLSearchParams {
  const query = new URLSearchParams();
  for (const p of op.parameters) {
    if (p.in !== 'query' || !p.required || p.name === except) continue;
    // A from/to pair must be in order: `to` a month after the plausible `from`.
    const later = p.schema?.format === 'date' ? '2026-02-01' : '2026-02-01T00:00:00Z';
    query.set(p.name, p.name === 'to' && p.schema?.format ? later : plausibleValue(p.schema));
  }
  return query;
}

export const withQuery = (path: string, query: URLSearchParams) => {
  const text = query.toString();
  return text ? `${path}?${text}` : path;
};
