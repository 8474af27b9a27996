// The auditors' export buttons: the very handlers of GET /v1/exports/*, run in-process with the
// session's actor, so that the console's download is byte for byte the API's (streamed, with its manifest).
import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';
import { exportsRouter } from '../ports.js';
import { type ConsoleEnv, ConsoleRefusal, needAction, needPage } from '../router.js';

const FORMATS = new Set(['csv', 'jsonl', 'beancount']);

export function exportRoutes(app: Hono<ConsoleEnv>) {
  const api = exportsRouter();
  const run = (c: { var: ConsoleEnv['Variables'] }, path: string) => {
    const inner = new Hono<AppEnv>();
    inner.use('*', async (ic, next) => {
      ic.set('actor', c.var.page.actor);
      ic.set('ctx', c.var.ctx);
      ic.set('requestId', c.var.requestId);
      await next();
    });
    inner.route('/', api);
    return inner.request(path);
  };
  app.get('/exports/ledger', needPage('ledger'), needAction('export'), (c) => {
    const format = c.req.query('format') ?? 'jsonl';
    if (!FORMATS.has(format)) throw new ConsoleRefusal(422, 'Unknown format', 'format must be csv, jsonl or beancount');
    return run(c, `/v1/exports/ledger?format=${format}`);
  });
  app.get('/exports/labels', needPage('ledger'), needAction('export'), (c) => run(c, '/v1/exports/labels'));
}
