// SQLSTATE of a database error, whichever engine raised it and however drizzle wrapped it.
export function sqlState(error: unknown): { code?: string; detail?: string } {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: unknown; detail?: unknown; cause?: unknown };
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code))
      return { code: e.code, detail: typeof e.detail === 'string' ? e.detail : undefined };
    current = e.cause;
  }
  return {};
}

export const EXCLUSION_VIOLATION = '23P01';
export const UNIQUE_VIOLATION = '23505';
