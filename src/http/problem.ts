/**
 * The closed set of error codes the API answers with, and their HTTP status.
 * Every error response is application/problem+json (RFC 9457) built from one of these.
 */
export const PROBLEM_STATUS = {
  bad_request: 400,
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  internal: 500,
  service_unavailable: 503,
} as const;

export type ProblemCode = keyof typeof PROBLEM_STATUS;

const TITLES: Record<ProblemCode, string> = {
  bad_request: 'Bad request',
  malformed_json: 'Malformed JSON',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  validation_failed: 'Validation failed',
  internal: 'Internal server error',
  service_unavailable: 'Service unavailable',
};

export interface FieldError {
  /** Dotted path of the failing field, e.g. `data.amount_btc`. */
  field: string;
  reason: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** An error a service or route throws on purpose; anything else becomes a 500. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = PROBLEM_STATUS[code];
  }

  toProblem(): Problem {
    return problem(this.code, this.detail, this.options.errors, this.options.extra);
  }
}

export function problem(
  code: ProblemCode,
  detail: string,
  errors?: FieldError[],
  extra?: Record<string, unknown>,
): Problem {
  return {
    type: `urn:reserve:problem:${code}`,
    title: TITLES[code],
    status: PROBLEM_STATUS[code],
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
    ...extra,
  };
}

export const notFound = (what: string) => new AppError('not_found', `${what} does not exist`);
export const conflict = (detail: string, extra?: Record<string, unknown>) =>
  new AppError('conflict', detail, { extra });
/** A refusal naming one field: `detail` is "field: reason", `errors` carries the pair. */
export const fieldProblem = (code: ProblemCode, field: string, reason: string) =>
  new AppError(code, `${field}: ${reason}`, { errors: [{ field, reason }] });
export const invalid = (field: string, reason: string) => fieldProblem('validation_failed', field, reason);
