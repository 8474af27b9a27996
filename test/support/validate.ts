import type { z } from '@hono/zod-openapi';
import type { App } from '../../src/app.js';
import { ProblemSchema } from '../../src/http/env.js';

// Every answer the harness receives is checked against the route the app declared in its OpenAPI
// registry (midday's validateResponse, moved into the harness): the status must be declared, the
// content type must be one declared for it, and a JSON body must parse under the declared zod schema
// with no field the schema does not name. So /openapi.json says what the service sends.

interface DeclaredResponse {
  description?: string;
  content?: Record<string, { schema?: unknown } | undefined>;
}

export interface DeclaredRoute {
  method: string;
  /** OpenAPI form, e.g. /v1/utxos/{txid}/{vout}. */
  path: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, DeclaredResponse>;
}

export function declaredRoutes(app: App): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const { method, path, responses } = definition.route;
    const source = path.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    routes.push({
      method: method.toUpperCase(),
      path,
      pattern: new RegExp(`^${source}$`),
      params: (path.match(/\{/g) ?? []).length,
      responses: responses as Record<string, DeclaredResponse>,
    });
  }
  // A literal segment wins over a parameter, as in the router.
  return routes.sort((a, b) => a.params - b.params);
}

export function findRoute(routes: DeclaredRoute[], method: string, path: string): DeclaredRoute | undefined {
  const bare = path.split('?')[0]!;
  return routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(bare));
}

const essence = (type: string | null) => (type ?? '').split(';')[0]!.trim().toLowerCase();
const isJson = (type: string) => /^application\/([\w.-]+\+)?json$/.test(type);

/** Fields of `sent` that parsing under the schema dropped: the schema does not declare them. */
function undeclaredFields(sent: unknown, parsed: unknown, path: string, out: string[]) {
  if (Array.isArray(sent) && Array.isArray(parsed)) {
    sent.forEach((item, i) => undeclaredFields(item, parsed[i], `${path}[${i}]`, out));
  } else if (sent && parsed && typeof sent === 'object' && typeof parsed === 'object') {
    for (const [key, value] of Object.entries(sent)) {
      const at = path ? `${path}.${key}` : key;
      if (!(key in parsed)) out.push(at);
      else undeclaredFields(value, (parsed as Record<string, unknown>)[key], at, out);
    }
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Problems with an answer as its route declares it; empty when it conforms. */
export function responseProblems(route: DeclaredRoute | undefined, answer: Answer): string[] {
  const type = essence(answer.headers.get('content-type'));
  if (!route) {
    // Not an OpenAPI route (404, 405, /openapi.json, docs): only an error must be a problem.
    if (answer.status < 400) return [];
    return type === 'application/problem+json' ? schemaProblems(ProblemSchema, answer.json) : [`not problem+json`];
  }
  const declared = route.responses[String(answer.status)] ?? route.responses.default;
  if (!declared)
    return [`status ${answer.status} is not declared (declared: ${Object.keys(route.responses).join(', ')})`];
  const content = declared.content ?? {};
  const types = Object.keys(content);
  if (types.length === 0) return answer.text === '' ? [] : ['a body where none is declared'];
  const match = types.find((t) => essence(t) === type);
  if (!match) return [`content type ${type || '(none)'} is not declared (declared: ${types.join(', ')})`];
  if (!isJson(type)) return [];
  return schemaProblems(content[match]?.schema as z.ZodType, answer.json);
}

function schemaProblems(schema: z.ZodType | undefined, body: unknown): string[] {
  if (!schema || typeof (schema as z.ZodType).safeParse !== 'function') return ['no zod schema declared'];
  const result = schema.safeParse(body);
  if (!result.success)
    return result.error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`);
  const extra: string[] = [];
  undeclaredFields(body, result.data, '', extra);
  return extra.map((field) => `${field}: sent but not declared in the schema`);
}

/** Throws, naming the route and every problem, when the answer does not match its declaration. */
export function assertDeclaredResponse(routes: DeclaredRoute[], method: string, path: string, answer: Answer) {
  const route = findRoute(routes, method, path);
  const problems = responseProblems(route, answer);
  if (problems.length === 0) return;
  const name = route ? `${route.method} ${route.path}` : 'an undeclared route';
  throw new Error(
    `${method} ${path} answered ${answer.status}, which does not match ${name} in the OpenAPI registry:\n  ` +
      `${problems.slice(0, 20).join('\n  ')}\nbody: ${answer.text.slice(0, 500)}`,
  );
}
