// The auditors' export buttons: the very handlers of GET /v1/exports/*, run in-process with the
// session's actor, so that the console's download is byte for byte the API's (streamed, with its manifest).
import type { Hono } from 'hono';
import { exportsRouter } from '../ports.js';
import { type ConsoleEnv, ConsoleRefusal, needAction, needPage } from '../router.js';
import { delegate } from './delegate.js';

const FORMATS = new Set(['csv', 'jsonl', 'beancount']);

export function exportRoutes(app: Hono<ConsoleEnv>) {
  const api = exportsRouter();
  app.get('/exports/ledger', needPage('ledger'), needAction('export'), (c) => {
    const format = c.req.query('format') ?? 'jsonl';
    if (!FORMATS.has(format)) throw new ConsoleRefusal(422, 'Unknown format', 'format must be csv, jsonl or beancount');
    return delegate(c, api, `/v1/exports/ledger?format=${format}`);
  });
  app.get('/exports/labels', needPage('ledger'), needAction('export'), (c) => delegate(c, api, '/v1/exports/labels'));
}
