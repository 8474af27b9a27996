import { OpenAPIHono, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import type { ZodError } from 'zod';
import type { Actor, Ctx, Role } from '../context.js';
import { AppError, type FieldError, invalid } from './problem.js';
import { refuseUnknownQuery } from './strict-query.js';

/** Per-request variables every handler can read. */
export type AppEnv = {
  Variables: {
    requestId: string;
    actor: Actor | null;
    ctx: Ctx;
  };
};

export function fieldErrors(error: ZodError, prefix?: string): FieldError[] {
  const fieldOf = (path: PropertyKey[]) =>
    [prefix, path.map(String).join('.')].filter(Boolean).join('.') || (prefix ?? 'body');
  return error.issues.flatMap((issue): FieldError[] => {
    // An unknown field is named itself, not its parent object.
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), reason: 'is not a known field' }));
    const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
    return [{ field: fieldOf(issue.path), reason: missing ? 'is required' : issue.message }];
  });
}

export function validationError(error: ZodError, prefix?: string): AppError {
  const errors = fieldErrors(error, prefix);
  const detail = errors.map((e) => `${e.field}: ${e.reason}`).join('; ');
  return new AppError('validation_failed', detail, { errors });
}

const TARGET_PREFIX: Record<string, string | undefined> = {
  json: undefined,
  query: 'query',
  param: 'path',
  header: 'header',
};

// The roles each requireRole middleware admits, so the router can declare them in OpenAPI.
const ROLES_OF = new WeakMap<object, Role[]>();

/** Marks a middleware as admitting these roles (requireRole does it); returns the middleware. */
export function declareRoles<M extends object>(middleware: M, roles: Role[]): M {
  ROLES_OF.set(middleware, roles);
  return middleware;
}

/** The roles a route's middleware admits, or undefined when none of it checks a role. */
export function rolesOf(middleware: unknown): Role[] | undefined {
  const list = (Array.isArray(middleware) ? middleware : [middleware]).filter((m) => typeof m === 'function');
  const roles = list.flatMap((m) => ROLES_OF.get(m) ?? []);
  return roles.length > 0 ? [...new Set(roles)] : undefined;
}

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);
const NUL = '\u0000';

/** The first string under `value` holding U+0000, as a dotted field path, or undefined. */
function nulField(value: unknown, at: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes(NUL) ? at : undefined;
  if (!value || typeof value !== 'object' || depth > 64) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes(NUL)) return at ? `${at}.${key.replaceAll(NUL, '')}` : 'body';
    const found = nulField(item, at ? `${at}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * PostgreSQL text cannot hold U+0000 (the driver's error would be a 500): refused as a 422 naming
 * the field, for path and query parameters and a JSON body, before any validator or query sees it.
 */
const refuseNul = (hasJsonBody: boolean) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const reason = 'must not contain the NUL character (U+0000)';
    for (const [name, value] of Object.entries(c.req.param() as Record<string, string>))
      if (value.includes(NUL)) throw invalid(`path.${name}`, reason);
    for (const [name, values] of Object.entries(c.req.queries()))
      if (name.includes(NUL) || values.some((v) => v.includes(NUL))) throw invalid(`query.${name}`, reason);
    if (hasJsonBody && JSON_TYPE.test(c.req.header('content-type') ?? '')) {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        body = undefined; // not JSON: the body validator answers that
      }
      const field = nulField(body, '');
      if (field !== undefined) throw invalid(field || 'body', reason);
    }
    await next();
  });
const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;.*)?$/i;

type Declared = Parameters<OpenAPIHono<AppEnv>['openapi']>[0];

/**
 * What any route can answer besides its own statuses, declared for it so /openapi.json is
 * complete: 401/403 behind a role, 422 for parameters and bodies, 400/413/415 for a body.
 */
function withStandardErrors(route: Declared, roles: Role[] | undefined): Declared {
  const request = route.request ?? {};
  const statuses = new Set<400 | 401 | 403 | 413 | 415 | 422>();
  if (roles) [401, 403].forEach((s) => statuses.add(s as 401 | 403));
  statuses.add(422); // parameters and bodies, and an unknown query parameter on any route (strict-query.ts)
  if (MUTATING.has(route.method)) [413, 415].forEach((s) => statuses.add(s as 413 | 415));
  if (request.body) [400, 413, 415].forEach((s) => statuses.add(s as 400 | 413 | 415));
  return { ...route, responses: { ...errorResponses(...statuses), ...route.responses } };
}

/**
 * A router whose validation failures become 422 problems naming each field. Each route it
 * declares is completed (docs/http.md): `x-roles` lists the roles its requireRole admits, so the
 * role matrix is generated from /openapi.json; the standard error statuses are declared; and a
 * NUL character in its parameters or JSON body is a 422, never a database error.
 */
export function createRouter() {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, TARGET_PREFIX[result.target]);
    },
  });
  const openapi = router.openapi;
  router.openapi = ((route, handler, hook) => {
    const roles = rolesOf(route.middleware);
    const middleware = [route.middleware ?? []].flat();
    const jsonBody = Boolean(route.request?.body?.content?.['application/json']);
    const completed = {
      ...withStandardErrors(route, roles),
      ...(roles ? { 'x-roles': roles } : {}),
      middleware: [...middleware, refuseUnknownQuery(route.request?.query), refuseNul(jsonBody)],
    };
    return openapi(completed as typeof route, handler, hook);
  }) as typeof openapi;
  return router;
}

/** A required JSON request body (so a missing body is a 422, never an undefined input). */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { 'application/json': { schema } } } as const;
}

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ field: z.string(), reason: z.string() }).strict()).optional(),
  })
  // RFC 9457 extension members (request_id, gap_limit, webhook_id...): scalars only.
  .catchall(z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .openapi('Problem');

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** Standard error responses for a route's OpenAPI description. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503)[]) {
  const descriptions: Record<number, string> = {
    400: 'Malformed request',
    401: 'Missing, unknown or revoked API key',
    403: "The key's role may not do this",
    404: 'Not found',
    409: 'Conflict with the current state',
    413: 'Body over the size limit',
    415: 'Body is not JSON',
    422: 'Validation failed; `errors` names each field',
    503: 'Not ready',
  };
  return Object.fromEntries(statuses.map((s) => [s, { description: descriptions[s]!, content: problemContent }]));
}
