// Errors a module raises on purpose, knowing nothing of HTTP: a code from a closed set, a
// sentence, and the fields at fault. The HTTP edge (src/http/problem.ts) maps each code to a
// status and an application/problem+json body; the console and the CLI word them their own way.
import type { z } from 'zod';

export const DOMAIN_CODES = [
  'bad_request',
  'malformed_json',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'validation_failed',
  'internal',
  'service_unavailable',
] as const;

export type DomainCode = (typeof DOMAIN_CODES)[number];

export interface FieldError {
  /** Dotted path of the failing field, e.g. `data.amount_btc`. */
  field: string;
  reason: string;
}

export interface DomainErrorOptions {
  errors?: FieldError[];
  /** Facts a caller can act on (an outpoint, a conflicting id), carried as problem extensions. */
  extra?: Record<string, unknown>;
  /** Response headers; only the HTTP edge sets them (WWW-Authenticate, Allow). */
  headers?: Record<string, string>;
}

/** An error thrown on purpose; anything else is a fault (a 500 at the HTTP edge). */
export class DomainError extends Error {
  constructor(
    readonly code: DomainCode,
    readonly detail: string,
    readonly options: DomainErrorOptions = {},
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} does not exist`);
export const conflict = (detail: string, extra?: Record<string, unknown>) =>
  new DomainError('conflict', detail, { extra });
/** A refusal naming one field: `detail` is "field: reason", `errors` carries the pair. */
export const fieldProblem = (code: DomainCode, field: string, reason: string) =>
  new DomainError(code, `${field}: ${reason}`, { errors: [{ field, reason }] });
export const invalid = (field: string, reason: string) => fieldProblem('validation_failed', field, reason);

/**
 * A verb's input parsed by its zod schema, or a validation_failed DomainError naming every field
 * at fault (`detail` is "field: reason; ..."); an issue at the input's root names `root`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = 'input'): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors: FieldError[] = parsed.error.issues.map((i) => ({
    field: i.path.map(String).join('.') || root,
    reason: i.message,
  }));
  return fieldsInvalid(errors);
}

/** A validation_failed refusal naming several fields. */
export function fieldsInvalid(errors: FieldError[]): never {
  throw new DomainError('validation_failed', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors });
}
