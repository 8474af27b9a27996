import { createMiddleware } from 'hono/factory';
import type { Executor } from '../../db/client.js';
import type { Role } from '../context.js';
import { authenticateSecret } from '../keys/index.js';
import { type AppEnv, declareRoles } from './env.js';
import { AppError } from './problem.js';

/** Resolves `Authorization: Bearer <key>` into c.var.actor (null when absent). Never rejects by itself. */
export function authenticate(db: Executor) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    c.set('actor', null);
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const actor = match ? await authenticateSecret(db, match[1]!) : null;
      if (!actor)
        throw new AppError('unauthorized', 'the API key is malformed, unknown or revoked', {
          headers: { 'WWW-Authenticate': 'Bearer' },
        });
      c.set('actor', actor);
      c.var.ctx.actor = actor;
    }
    await next();
  });
}

/** 401 without a key; 403 when the key's role is not listed. `admin` may do everything. */
export function requireRole(...roles: Role[]) {
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const actor = c.get('actor');
    if (!actor)
      throw new AppError('unauthorized', 'an API key is required: Authorization: Bearer <key>', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    if (actor.role !== 'admin' && !(roles as string[]).includes(actor.role)) {
      throw new AppError(
        'forbidden',
        `role ${actor.role} may not do this; allowed: ${['admin', ...roles.filter((r) => r !== 'admin')].join(', ')}`,
      );
    }
    await next();
  });
  return declareRoles(middleware, ['admin', ...roles.filter((r) => r !== 'admin')]);
}

export const bearerSecurity = [{ bearer: [] as string[] }];
