import { createMiddleware } from 'hono/factory';
import type { ZodType } from 'zod';
import type { AppEnv } from './env.js';
import { AppError } from './problem.js';

/** The parameter names a route's declared query schema (a zod object) accepts; none without one. */
export function declaredQueryKeys(schema: ZodType | undefined): Set<string> | undefined {
  if (!schema) return new Set();
  type Node = { shape?: Record<string, unknown>; def?: { in?: Node; innerType?: Node } };
  // an object, or one behind a transform (pipe) or an optional/default wrapper
  let node: Node | undefined = schema as unknown as Node;
  for (let depth = 0; node && !node.shape && depth < 4; depth++) node = node.def?.in ?? node.def?.innerType;
  return node?.shape ? new Set(Object.keys(node.shape)) : undefined; // undefined: not an object, not checked
}

/**
 * An unknown query parameter is a 422 naming it (`GET /v1/utxos?site=...` must not quietly return
 * every site because the parameter is `site_id`). Compared with the route's declared schema, so the
 * OpenAPI document, the validator and this check are one list. Every unknown one is named, in order.
 */
export function refuseUnknownQuery(schema: ZodType | undefined) {
  const known = declaredQueryKeys(schema);
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!known) return next();
    const unknown = Object.keys(c.req.queries()).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      // the same reason as a strict schema's unknown key (fieldErrors); the detail lists what the route takes
      const accepted =
        known.size > 0 ? `this route takes ${[...known].join(', ')}` : 'this route takes no query parameters';
      const errors = unknown.map((name) => ({ field: `query.${name}`, reason: 'is not a known field' }));
      const detail = `${errors.map((e) => `${e.field}: ${e.reason}`).join('; ')} (${accepted})`;
      throw new AppError('validation_failed', detail, { errors });
    }
    await next();
  });
}
