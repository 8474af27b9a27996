import { z } from '@hono/zod-openapi';
import { AppError } from './problem.js';

export const MAX_PAGE_LIMIT = 1000;

export const pageQuery = {
  limit: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_LIMIT, `must be at most ${MAX_PAGE_LIMIT}`)
    .default(100)
    .openapi({ description: `Page size, 1-${MAX_PAGE_LIMIT}` }),
  cursor: z.string().max(512).optional().openapi({ description: "Opaque cursor from the previous page's next_cursor" }),
};

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(cursor: string | undefined, schema: T): z.infer<T> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the 422 below
  }
  throw new AppError('validation_failed', 'query.cursor: not a cursor this API issued', {
    errors: [{ field: 'query.cursor', reason: 'not a cursor this API issued' }],
  });
}

/** The cursor of a list in seq order: the last row's sequence number. */
export const seqCursor = z.object({ seq: z.string().regex(/^\d{1,19}$/) });

/** Fetch limit+1 rows, return `limit` and a cursor when there are more. */
export function page<R>(rows: R[], limit: number, cursorOf: (row: R) => Record<string, string>) {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, next_cursor: more && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item), next_cursor: z.string().nullable() });
