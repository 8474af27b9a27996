import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { decodeCursor, page, pageQuery, pageSchema, seqCursor } from '../http/pagination.js';
import { rfc3339, seqText } from '../http/schemas.js';
import { notFound } from '../errors.js';
import { KIND } from './model.js';
import { getEntry, listAccounts, readEntries, trialBalance, verifyLedger } from './service.js';
import {
  AccountSchema,
  EntrySchema,
  toAccountView,
  toEntryView,
  toTrialBalanceView,
  toVerifyView,
  TrialBalanceSchema,
  VerifySchema,
} from './views.js';

const accountPrefix = z
  .string()
  .max(300)
  .regex(
    /^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Za-z0-9][A-Za-z0-9._-]{0,63})*$/,
    'must be an account name or a prefix of one, e.g. Assets:Bitcoin',
  );
const kindText = z.string().regex(KIND, 'must match ^[a-z][a-z0-9_.-]{0,63}$');

const auditor = requireRole('auditor');

const listEntriesRoute = createRoute({
  method: 'get',
  path: '/v1/ledger/entries',
  tags: ['ledger'],
  summary: 'Journal entries with their postings, in seq order, cursor-paginated',
  security: bearerSecurity,
  middleware: [auditor] as const,
  request: {
    query: z.object({
      ...pageQuery,
      from: rfc3339.optional().openapi({ description: 'occurred_at at or after' }),
      to: rfc3339.optional().openapi({ description: 'occurred_at before' }),
      account: accountPrefix
        .optional()
        .openapi({ description: 'Entries with a posting to this account or one below it' }),
      kind: kindText.optional(),
      source_type: kindText.optional(),
      source_id: z.string().min(1).max(200).optional(),
    }),
  },
  responses: {
    200: { description: 'A page of entries', content: { 'application/json': { schema: pageSchema(EntrySchema) } } },
    ...errorResponses(401, 403, 422),
  },
});

const getEntryRoute = createRoute({
  method: 'get',
  path: '/v1/ledger/entries/{seq}',
  tags: ['ledger'],
  summary: 'One journal entry by sequence number',
  security: bearerSecurity,
  middleware: [auditor] as const,
  request: { params: z.object({ seq: seqText }) },
  responses: {
    200: { description: 'The entry', content: { 'application/json': { schema: EntrySchema } } },
    ...errorResponses(401, 403, 404, 422),
  },
});

const listAccountsRoute = createRoute({
  method: 'get',
  path: '/v1/ledger/accounts',
  tags: ['ledger'],
  summary: 'Accounts with their maintained balances',
  security: bearerSecurity,
  middleware: [auditor] as const,
  request: { query: z.object({ prefix: accountPrefix.optional() }) },
  responses: {
    200: {
      description: 'Accounts',
      content: { 'application/json': { schema: z.strictObject({ items: z.array(AccountSchema) }) } },
    },
    ...errorResponses(401, 403, 422),
  },
});

const trialBalanceRoute = createRoute({
  method: 'get',
  path: '/v1/ledger/trial-balance',
  tags: ['ledger'],
  summary: 'Every account balance per commodity, now or as of a past time (occurred_at) or seq',
  description:
    '`as_of` is valid time (occurred_at <= as_of); `known_at` keeps only entries recorded by then (recorded_at <= known_at), what the ledger said at that moment. See docs/reports.md.',
  security: bearerSecurity,
  middleware: [auditor] as const,
  request: {
    query: z.object({ as_of: rfc3339.optional(), as_of_seq: seqText.optional(), known_at: rfc3339.optional() }),
  },
  responses: {
    200: {
      description: 'The trial balance; totals are zero per commodity in a sound ledger',
      content: { 'application/json': { schema: TrialBalanceSchema } },
    },
    ...errorResponses(401, 403, 422),
  },
});

const verifyRoute = createRoute({
  method: 'get',
  path: '/v1/ledger/verify',
  tags: ['ledger'],
  summary: 'Recompute the hash chain and the balances from the entries',
  description: 'Reports the head hash and count when all holds, or the first broken sequence number and why.',
  security: bearerSecurity,
  middleware: [auditor] as const,
  responses: {
    200: { description: 'The verification result', content: { 'application/json': { schema: VerifySchema } } },
    ...errorResponses(401, 403),
  },
});

export function ledgerRouter() {
  const router = createRouter();
  router.openapi(listEntriesRoute, async (c) => {
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor, seqCursor);
    const entries = await readEntries(c.var.ctx, {
      afterSeq: after ? BigInt(after.seq) : undefined,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      accountPrefix: q.account,
      kind: q.kind,
      sourceType: q.source_type,
      sourceId: q.source_id,
      limit: q.limit + 1,
    });
    const result = page(entries, q.limit, (e) => ({ seq: e.seq.toString() }));
    return c.json({ items: result.items.map(toEntryView), next_cursor: result.next_cursor }, 200);
  });
  router.openapi(getEntryRoute, async (c) => {
    const { seq } = c.req.valid('param');
    const entry = await getEntry(c.var.ctx, { seq: BigInt(seq) });
    if (!entry) throw notFound(`ledger entry ${seq}`);
    return c.json(toEntryView(entry), 200);
  });
  router.openapi(listAccountsRoute, async (c) => {
    const { prefix } = c.req.valid('query');
    return c.json({ items: (await listAccounts(c.var.ctx, { prefix })).map(toAccountView) }, 200);
  });
  router.openapi(trialBalanceRoute, async (c) => {
    const q = c.req.valid('query');
    const result = await trialBalance(c.var.ctx, {
      asOf: q.as_of ? new Date(q.as_of) : undefined,
      asOfSeq: q.as_of_seq ? BigInt(q.as_of_seq) : undefined,
      knownAt: q.known_at ? new Date(q.known_at) : undefined,
    });
    return c.json(toTrialBalanceView(result), 200);
  });
  router.openapi(verifyRoute, async (c) => c.json(toVerifyView(await verifyLedger(c.var.ctx)), 200));
  return router;
}
