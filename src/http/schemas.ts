// Wire validators that several modules' routes share: one wording for one rule.
import { z } from '@hono/zod-openapi';
import { currencyProblem } from '../money/fiat.js';

/** An RFC 3339 timestamp with an offset (`Z` or `+hh:mm`). */
export const rfc3339 = z.iso.datetime({
  offset: true,
  message: 'must be an RFC 3339 date-time such as 2026-03-01T00:00:00Z',
});

/** An ISO 4217 currency code known to this runtime, e.g. USD, BYN. */
export const currencyCode = z
  .unknown()
  .superRefine((value, ctx) => {
    const reason = currencyProblem(value);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  })
  .transform((value) => value as string)
  .openapi({ type: 'string', example: 'BYN', description: 'ISO 4217 currency code' });

/**
 * A JSON value, for fields whose shape is the producer's own (an audit row's per-action details).
 * Typed unknown so that handlers returning their own detail types still type-check.
 */
export const JsonValue: z.ZodType<unknown> = z
  .lazy(() =>
    z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]),
  )
  .openapi('JsonValue', { description: 'Any JSON value' });

/** A ledger sequence number as the wire writes it: a positive integer in a string. */
export const seqText = z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a positive sequence number');
