// The one reader of database errors: the SQLSTATE, constraint and detail of an error from either
// engine (PGlite, postgres.js), however drizzle wrapped it (0.45 wraps every driver error in a
// DrizzleQueryError whose `.cause` is the driver's: a top-level `code` test never fires).

export const UNIQUE_VIOLATION = '23505';
export const CHECK_VIOLATION = '23514';
export const FOREIGN_KEY_VIOLATION = '23503';
export const EXCLUSION_VIOLATION = '23P01';
/** A trigger's RAISE EXCEPTION without its own ERRCODE. */
export const RAISE_EXCEPTION = 'P0001';

export interface SqlError {
  code?: string;
  constraint?: string;
  detail?: string;
  message?: string;
}

export function sqlError(error: unknown): SqlError {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as Record<string, unknown>;
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
      return {
        code: e.code,
        constraint: (e.constraint_name ?? e.constraint) as string | undefined,
        detail: typeof e.detail === 'string' ? e.detail : undefined,
        message: typeof e.message === 'string' ? e.message : undefined,
      };
    }
    current = e.cause;
  }
  return {};
}

/** One refusal of the database a module expects, and what it means there (usually a DomainError). */
export interface DbRefusal<T> {
  code: string;
  /** Only a violation of this constraint; any constraint when absent. */
  constraint?: string;
  to: (error: SqlError) => T;
}

/**
 * The one mapping of database errors into a module's terms: the first refusal whose SQLSTATE
 * (and constraint, when it names one) matches, applied; undefined for any other error, which
 * the caller rethrows as it is (a fault, a 500 at the HTTP edge).
 */
export function refusalOf<T>(error: unknown, refusals: readonly DbRefusal<T>[]): T | undefined {
  const found = sqlError(error);
  if (!found.code) return undefined;
  const rule = refusals.find(
    (r) => r.code === found.code && (r.constraint === undefined || r.constraint === found.constraint),
  );
  return rule?.to(found);
}
