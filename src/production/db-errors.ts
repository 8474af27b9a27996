// The database's refusals, read by the one resolver in db/errors.ts.
import { sqlError } from '../../db/errors.js';

export { EXCLUSION_VIOLATION, UNIQUE_VIOLATION } from '../../db/errors.js';

/** SQLSTATE and detail of a database error, whichever engine raised it and however drizzle wrapped it. */
export function sqlState(error: unknown): { code?: string; detail?: string } {
  const { code, detail } = sqlError(error);
  return code ? { code, detail } : {};
}
