// Runs a JSON router's own handler in-process with the session's actor: for what the console
// serves as the API does (downloads, listings whose read is the route's), so the two cannot drift.
// The wrapping app is built once per router (building an OpenAPI router is not free); each
// request's actor and context travel in its env.
import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';
import type { ConsoleEnv } from '../router.js';

type Router = Hono<any, any, any>;
type Vars = ConsoleEnv['Variables'];

const inners = new WeakMap<Router, Hono<AppEnv>>();

function innerOf(router: Router): Hono<AppEnv> {
  let inner = inners.get(router);
  if (!inner) {
    inner = new Hono<AppEnv>();
    inner.use('*', async (ic, next) => {
      const vars = (ic.env as { vars: Vars }).vars;
      ic.set('actor', vars.page.actor);
      ic.set('ctx', vars.ctx);
      ic.set('requestId', vars.requestId);
      await next();
    });
    inner.route('/', router);
    inners.set(router, inner);
  }
  return inner;
}

export function delegate(c: { var: Vars }, router: Router, path: string): Promise<Response> {
  return Promise.resolve(innerOf(router).request(path, undefined, { vars: c.var }));
}
