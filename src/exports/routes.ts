import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { DomainError } from '../errors.js';
import { ledgerExport } from '../ledger/index.js';
import { LEDGER_EXPORT_FORMATS, type LedgerExportFormat } from '../ledger/index.js';
import { type LedgerExportRequest, resolveLedgerRange } from '../ledger/index.js';
import { auditLogLines } from './audit-log.js';
import { labelLines } from './labels.js';
import { statusTotalsView, totalsView, utxoLines } from './utxos.js';
import { batched, hashChunk, readAhead, streamedResponse, withTrailer } from './stream.js';
import { rfc3339, seqText } from '../http/schemas.js';
import type { Ctx } from '../context.js';
import { dailyPrices } from '../production/index.js';

const auditorOrAdmin = requireRole('auditor');
// Officers use Sparrow with these labels; they read them too.
const labelReaders = requireRole('auditor', 'officer');

const jsonLinesResponse = (description: string) => ({
  200: { description, content: { 'application/jsonl': { schema: z.string() } } },
});

const auditLogExportRoute = createRoute({
  method: 'get',
  path: '/v1/exports/audit-log',
  tags: ['exports'],
  summary: 'The audit log as JSON Lines, streamed, with a manifest as its last line',
  description:
    'One audit row per line, oldest first, over [from, to) (to defaults to the time of the request). The last line is `{"manifest": {...}}` with the range, the count and the SHA-256 (hex) of every byte before that line.',
  security: bearerSecurity,
  middleware: [auditorOrAdmin] as const,
  request: { query: z.object({ from: rfc3339.optional(), to: rfc3339.optional() }) },
  responses: { ...jsonLinesResponse('The audit log'), ...errorResponses(401, 403, 422) },
});

const seqParam = seqText.transform((v) => BigInt(v));

const ledgerQuery = z.object({
  format: z
    .enum(LEDGER_EXPORT_FORMATS, { message: `must be one of ${LEDGER_EXPORT_FORMATS.join(', ')}` })
    .default('jsonl'),
  from_seq: seqParam.optional().openapi({ description: 'First entry (inclusive)', type: 'string' }),
  to_seq: seqParam.optional().openapi({
    description: 'Last entry (inclusive); defaults to the chain head when the export starts',
    type: 'string',
  }),
  from: rfc3339.optional().openapi({ description: 'Entries recorded at or after this time' }),
  to: rfc3339.optional().openapi({ description: 'Entries recorded before this time' }),
});

const LEDGER_CONTENT: Record<LedgerExportFormat, { type: string; extension: string }> = {
  csv: { type: 'text/csv; charset=utf-8; header=present', extension: 'csv' },
  jsonl: { type: 'application/jsonl; charset=utf-8', extension: 'jsonl' },
  beancount: { type: 'text/plain; charset=utf-8', extension: 'beancount' },
};

const ledgerExportDescription =
  'Every entry of a contiguous run of the chain with its postings, sequence, times, kind, source, actor, prev_hash and hash. ' +
  'CSV (RFC 4180, one row per posting), JSON Lines (one entry per line) or beancount. The last line (the last CSV record) ' +
  'is the manifest: range, counts, prev_hash before the range, head_hash at its end, opening and closing trial balances and ' +
  'the SHA-256 of every byte before it. `reserve verify FILE` checks the file offline; docs/ledger.md describes the formats.';

const ledgerExportRoute = createRoute({
  method: 'get',
  path: '/v1/exports/ledger',
  tags: ['exports'],
  summary: 'The ledger, streamed, in CSV, JSON Lines or beancount, with a manifest',
  description: ledgerExportDescription,
  security: bearerSecurity,
  middleware: [auditorOrAdmin] as const,
  request: { query: ledgerQuery },
  responses: {
    200: {
      description: 'The export; its last line is the manifest',
      content: {
        'text/csv': { schema: z.string() },
        'application/jsonl': { schema: z.string() },
        'text/plain': { schema: z.string() },
      },
    },
    ...errorResponses(401, 403, 422),
  },
});

const BalanceSchema = z.object({ account: z.string(), commodity: z.string(), amount: z.string() }).strict();
const LedgerManifestSchema = z
  .object({
    export: z.string(),
    canonical: z.string(),
    format: z.enum(LEDGER_EXPORT_FORMATS),
    from_seq: z.string(),
    to_seq: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    entries: z.number().int(),
    postings: z.number().int(),
    prev_hash: z.string(),
    head_hash: z.string(),
    opening_balances: z.array(BalanceSchema),
    closing_balances: z.array(BalanceSchema),
    body_sha256: z.string(),
    generated_at: z.string(),
    transparency: z
      .object({
        tree_size: z.string(),
        root: z.string(),
        checkpoint: z.string().nullable(),
        consistency: z.array(z.string()),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('LedgerExportManifest');

const ledgerManifestRoute = createRoute({
  method: 'get',
  path: '/v1/exports/ledger/manifest',
  tags: ['exports'],
  summary: 'The manifest the same ledger export would end with (the export is built and hashed, not sent)',
  security: bearerSecurity,
  middleware: [auditorOrAdmin] as const,
  request: { query: ledgerQuery },
  responses: {
    200: { description: 'The manifest', content: { 'application/json': { schema: LedgerManifestSchema } } },
    ...errorResponses(401, 403, 422),
  },
});

function ledgerRequest(query: z.infer<typeof ledgerQuery>): LedgerExportRequest {
  return {
    fromSeq: query.from_seq,
    toSeq: query.to_seq,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
  };
}

const utxoExportRoute = createRoute({
  method: 'get',
  path: '/v1/exports/utxos',
  tags: ['exports'],
  summary: 'The UTXO set as JSON Lines, streamed, with a manifest as its last line',
  description:
    "One coin per line: outpoint, policy, address, derivation (chain, index, every signer's fingerprint and path), amount, state, site, pool and block. " +
    'With `as_of`, the coins held then by valid time (block time, payout period, event time; docs/reports.md) in the state they were in; `known_at` limits it to what the reserve had recorded by then (block fields are as known now). ' +
    'The last line is `{"manifest": {...}}`: count, satoshis per policy and state, per state (`by_status`), `held_sat` (without orphaned, spent and withdrawn coins) and `orphaned_sat` apart, and the SHA-256 of every byte before it. `reserve verify FILE` checks it offline.',
  security: bearerSecurity,
  middleware: [auditorOrAdmin] as const,
  request: { query: z.object({ as_of: rfc3339.optional(), known_at: rfc3339.optional() }) },
  responses: { ...jsonLinesResponse('The UTXO set'), ...errorResponses(401, 403, 422) },
});

const labelsDescription =
  'BIP-329 records, one per line: `addr` for every address the reserve knows (label, site, pool, purpose, policy) and `output` for every coin ' +
  '(site, pool, policy, state; spendable unless frozen; orphaned coins left out). Import into Sparrow or any BIP-329 wallet. No manifest line, so that wallets read the ' +
  'file as it is: GET /v1/exports/labels/manifest gives its counts and SHA-256.';

const labelsExportRoute = createRoute({
  method: 'get',
  path: '/v1/exports/labels',
  tags: ['exports'],
  summary: 'Wallet labels (BIP-329 JSON Lines) for addresses and outputs',
  description: labelsDescription,
  security: bearerSecurity,
  middleware: [labelReaders] as const,
  responses: { ...jsonLinesResponse('BIP-329 labels'), ...errorResponses(401, 403) },
});

const labelsManifestRoute = createRoute({
  method: 'get',
  path: '/v1/exports/labels/manifest',
  tags: ['exports'],
  summary: 'Counts and SHA-256 of the labels export (built and hashed, not sent)',
  security: bearerSecurity,
  middleware: [labelReaders] as const,
  responses: {
    200: {
      description: 'The manifest',
      content: {
        'application/json': {
          schema: z.strictObject({
            export: z.literal('labels'),
            addresses: z.number().int(),
            outputs: z.number().int(),
            body_sha256: z.string(),
            generated_at: z.string(),
          }),
        },
      },
    },
    ...errorResponses(401, 403),
  },
});

function timeRange(query: { from?: string; to?: string }, now: Date) {
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : now;
  if (from && from >= to) {
    throw new DomainError('validation_failed', 'query.from: must be before query.to', {
      errors: [{ field: 'query.from', reason: 'must be before query.to' }],
    });
  }
  return { from, to };
}

export function exportsRouter(options: { reportingCurrency?: string } = {}) {
  const router = createRouter();
  const currency = options.reportingCurrency ?? 'USD';
  // beancount carries the reporting currency and the marks and rates up to the range's end.
  const valuationOf = async (c: { var: { ctx: Ctx } }, format: LedgerExportFormat, to: Date | null) =>
    format === 'beancount'
      ? { operatingCurrency: currency, prices: await dailyPrices(c.var.ctx.db, currency, to ?? new Date()) }
      : undefined;

  router.openapi(ledgerExportRoute, async (c) => {
    const query = c.req.valid('query');
    const range = await resolveLedgerRange(c.var.ctx, ledgerRequest(query));
    const valuation = await valuationOf(c, query.format, range.to);
    const { body, trailer } = ledgerExport(c.var.ctx, query.format, range, { valuation });
    const content = LEDGER_CONTENT[query.format];
    const filename = `reserve-ledger-${range.fromSeq}-${range.toSeq}.${content.extension}`;
    // Batched before hashing: one hash update per ~64 KiB piece rather than per COPY row; read ahead
    // of the client so the database never waits on this process or the client (see readAhead).
    return streamedResponse(withTrailer(readAhead(batched(body)), trailer), c.var.ctx.log, content.type, filename);
  });

  router.openapi(ledgerManifestRoute, async (c) => {
    const query = c.req.valid('query');
    const range = await resolveLedgerRange(c.var.ctx, ledgerRequest(query));
    const valuation = await valuationOf(c, query.format, range.to);
    const { body, manifest } = ledgerExport(c.var.ctx, query.format, range, { valuation });
    const hash = createHash('sha256');
    for await (const chunk of batched(body)) hashChunk(hash, chunk);
    return c.json(await manifest(hash.digest('hex')), 200);
  });

  router.openapi(utxoExportRoute, async (c) => {
    const query = c.req.valid('query');
    const knownAt = query.known_at ? new Date(query.known_at) : undefined;
    const asOf = query.as_of ? new Date(query.as_of) : (knownAt ?? null);
    const { lines, summary } = utxoLines(c.var.ctx, asOf, knownAt);
    const body = withTrailer(
      lines,
      (sha) =>
        `${JSON.stringify({
          manifest: {
            export: 'utxos',
            as_of: asOf?.toISOString() ?? null,
            known_at: knownAt?.toISOString() ?? null,
            tip_height: summary.tipHeight,
            count: summary.count,
            totals: totalsView(summary.totals),
            ...statusTotalsView(summary.byStatus),
            body_sha256: sha,
            generated_at: new Date().toISOString(),
          },
        })}\n`,
    );
    return streamedResponse(batched(body), c.var.ctx.log, 'application/jsonl; charset=utf-8', 'reserve-utxos.jsonl');
  });

  router.openapi(labelsExportRoute, async (c) => {
    const { lines } = labelLines(c.var.ctx);
    return streamedResponse(batched(lines), c.var.ctx.log, 'application/jsonl; charset=utf-8', 'reserve-labels.jsonl');
  });

  router.openapi(labelsManifestRoute, async (c) => {
    const { lines, summary } = labelLines(c.var.ctx);
    const hash = createHash('sha256');
    for await (const chunk of batched(lines)) hashChunk(hash, chunk);
    return c.json(
      {
        export: 'labels' as const,
        ...summary,
        body_sha256: hash.digest('hex'),
        generated_at: new Date().toISOString(),
      },
      200,
    );
  });

  router.openapi(auditLogExportRoute, async (c) => {
    const now = new Date();
    const range = timeRange(c.req.valid('query'), now);
    const { lines, summary } = auditLogLines(c.var.ctx, range);
    const body = withTrailer(
      lines,
      (sha) =>
        `${JSON.stringify({
          manifest: {
            export: 'audit-log',
            from: range.from?.toISOString() ?? null,
            to: range.to.toISOString(),
            first_seq: summary.first_seq,
            last_seq: summary.last_seq,
            count: summary.count,
            body_sha256: sha,
            generated_at: now.toISOString(),
          },
        })}\n`,
    );
    return streamedResponse(body, c.var.ctx.log, 'application/jsonl; charset=utf-8', 'reserve-audit-log.jsonl');
  });

  return router;
}
