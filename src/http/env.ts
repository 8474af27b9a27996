import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { Actor, Ctx } from '../context.js';
import { AppError, type FieldError } from './problem.js';

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

/** A router whose validation failures become 422 problems naming each field. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, TARGET_PREFIX[result.target]);
    },
  });
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
    errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
  })
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
