import { createRoute, z } from '@hono/zod-openapi';
import { ROLES } from '../context.js';
import { requireRole, bearerSecurity } from '../http/auth.js';
import { createRouter, errorResponses, jsonBody } from '../http/env.js';
import { CreateKeySchema } from './schema.js';
import { createKey, listKeys, revokeKey, toKeyView } from './service.js';

const KeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_3f2a9c0d1e4b5a6c7d8e' }),
    name: z.string(),
    role: z.enum(ROLES),
    prefix: z.string().openapi({ description: 'First characters of the secret, for telling keys apart' }),
    created_at: z.string(),
    created_by: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .strict()
  .openapi('ApiKey');

const admin = requireRole('admin');

const createKeyRoute = createRoute({
  method: 'post',
  path: '/v1/keys',
  tags: ['keys'],
  summary: 'Create an API key; its secret is in this response only',
  security: bearerSecurity,
  middleware: [admin] as const,
  request: { body: jsonBody(CreateKeySchema) },
  responses: {
    201: {
      description: 'Created',
      content: {
        'application/json': { schema: KeySchema.extend({ secret: z.string() }).strict().openapi('CreatedApiKey') },
      },
    },
    ...errorResponses(400, 401, 403, 413, 415, 422),
  },
});

const listKeysRoute = createRoute({
  method: 'get',
  path: '/v1/keys',
  tags: ['keys'],
  summary: 'List API keys (never their secrets)',
  security: bearerSecurity,
  middleware: [admin] as const,
  responses: {
    200: {
      description: 'Keys',
      content: { 'application/json': { schema: z.strictObject({ items: z.array(KeySchema) }) } },
    },
    ...errorResponses(401, 403),
  },
});

const revokeKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/keys/{id}',
  tags: ['keys'],
  summary: 'Revoke an API key (idempotent)',
  security: bearerSecurity,
  middleware: [admin] as const,
  request: { params: z.object({ id: z.string().max(100) }) },
  responses: {
    200: { description: 'Revoked', content: { 'application/json': { schema: KeySchema } } },
    ...errorResponses(401, 403, 404, 409, 422),
  },
});

export function keysRouter() {
  const router = createRouter();
  router.openapi(createKeyRoute, async (c) => {
    const { key, secret } = await createKey({ ctx: c.var.ctx, input: c.req.valid('json') });
    return c.json({ ...toKeyView(key), secret }, 201);
  });
  router.openapi(listKeysRoute, async (c) => c.json({ items: (await listKeys(c.var.ctx.db)).map(toKeyView) }, 200));
  router.openapi(revokeKeyRoute, async (c) =>
    c.json(toKeyView(await revokeKey({ ctx: c.var.ctx, input: c.req.valid('param') })), 200),
  );
  return router;
}
