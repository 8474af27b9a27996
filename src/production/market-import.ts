// CSV files of BTC price marks and FX rates, for an air-gapped site that carries them in on a
// medium: every row checked like the API's (schemas.ts), then recorded all or nothing.
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { inTx, type Verb, withTransaction } from '../context.js';
import { DomainError, parseInput } from '../errors.js';
import { recordPrices, recordRates } from './market.js';
import { PriceSchema, RateSchema } from './schemas.js';

export const PRICE_COLUMNS = ['currency', 'price', 'at', 'source'] as const;
export const RATE_COLUMNS = ['base', 'quote', 'rate', 'at', 'source'] as const;
const MAX_ROWS = 1_000_000;
const BATCH = 1000;

function rowsOf(text: string, columns: readonly string[]): { line: number; record: Record<string, string> }[] {
  let parsed: { record: Record<string, string>; info: { lines: number } }[];
  try {
    parsed = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, bom: true });
  } catch (error) {
    throw new DomainError('validation_failed', `file: not a CSV file (${(error as Error).message})`, {
      errors: [{ field: 'file', reason: 'not a CSV file' }],
    });
  }
  if (parsed.length > MAX_ROWS) throw new DomainError('validation_failed', `file: more than ${MAX_ROWS} rows`);
  const header = parsed[0] ? Object.keys(parsed[0].record) : [];
  const missing = columns.filter((c) => !header.includes(c));
  const extra = header.filter((c) => !columns.includes(c));
  if (parsed.length > 0 && (missing.length > 0 || extra.length > 0)) {
    const reason = `the header must be ${columns.join(',')}${missing.length ? `; missing ${missing.join(', ')}` : ''}${extra.length ? `; unknown ${extra.join(', ')}` : ''}`;
    throw new DomainError('validation_failed', `header: ${reason}`, { errors: [{ field: 'header', reason }] });
  }
  return parsed.map((p) => ({ line: p.info.lines, record: p.record }));
}

function checked<T>(
  rows: { line: number; record: Record<string, string> }[],
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
): T[] {
  return rows.map(({ line, record }) => {
    const result = schema.safeParse(record);
    if (result.success) return result.data;
    const errors = result.error.issues.map((i) => ({
      field: `line ${line}: ${i.path.map(String).join('.')}`,
      reason: i.message,
    }));
    throw new DomainError('validation_failed', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors });
  });
}

/** A CSV file's text, as the CLI read it (or a form will upload it). */
const CsvFileInput = z.object({ text: z.string() }).strict();
export type CsvFileInput = z.infer<typeof CsvFileInput>;

/** Records every price mark of a CSV file (currency,price,at,source) in one transaction. */
export async function importPricesCsv({ ctx, input }: Verb<CsvFileInput>) {
  const { text } = parseInput(CsvFileInput, input);
  const prices = checked(rowsOf(text, PRICE_COLUMNS), PriceSchema);
  return withTransaction(ctx, async (tx) => {
    let inserted = 0;
    for (let i = 0; i < prices.length; i += BATCH)
      inserted += (await recordPrices({ ctx: inTx(ctx, tx), input: { prices: prices.slice(i, i + BATCH) } })).inserted;
    return { received: prices.length, inserted };
  });
}

/** Records every FX rate of a CSV file (base,quote,rate,at,source) in one transaction. */
export async function importRatesCsv({ ctx, input }: Verb<CsvFileInput>) {
  const { text } = parseInput(CsvFileInput, input);
  const rates = checked(rowsOf(text, RATE_COLUMNS), RateSchema);
  return withTransaction(ctx, async (tx) => {
    let inserted = 0;
    for (let i = 0; i < rates.length; i += BATCH)
      inserted += (await recordRates({ ctx: inTx(ctx, tx), input: { rates: rates.slice(i, i + BATCH) } })).inserted;
    return { received: rates.length, inserted };
  });
}
