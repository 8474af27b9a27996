// Runs a JSON router's own handler in-process with the session's actor: for what the console
// serves as the API does (downloads, listings whose read is the route's), so the two cannot drift.
import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';
import type { ConsoleEnv } from '../router.js';

type Router = Hono<any, any, any>;

export function delegate(c: { var: ConsoleEnv['Variables'] }, router: Router, path: string): Promise<Response> {
  const inner = new Hono<AppEnv>();
  inner.use('*', async (ic, next) => {
    ic.set('actor', c.var.page.actor);
    ic.set('ctx', c.var.ctx);
    ic.set('requestId', c.var.requestId);
    await next();
  });
  inner.route('/', router);
  return Promise.resolve(inner.request(path));
}
