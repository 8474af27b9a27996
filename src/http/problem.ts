import { type DomainCode, DomainError, type DomainErrorOptions, type FieldError } from '../errors.js';

export { conflict, DomainError, fieldProblem, type FieldError, invalid, notFound } from '../errors.js';

/**
 * The status of each domain error code: every error response is application/problem+json
 * (RFC 9457) built from one of these.
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
} as const satisfies Record<DomainCode, number>;

export type ProblemCode = DomainCode;

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

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/**
 * The name the HTTP layer has long used for a domain error: the same class, so that
 * `new AppError(...)` and `instanceof AppError` keep working while modules move to DomainError.
 */
export const AppError = DomainError;
export type AppError = DomainError;

/** The HTTP status a domain error answers with. */
export const statusOf = (error: DomainError): number => PROBLEM_STATUS[error.code];

/** A domain error as problem+json, byte for byte what the API has always sent. */
export function problemOf(error: DomainError): Problem {
  return problem(error.code, error.detail, error.options.errors, error.options.extra);
}

export type { DomainErrorOptions };

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
