import type { z } from 'zod';
import { DomainError } from '../errors.js';

/** Parses a verb's input; a refusal is a 422 naming each field at fault. */
export function parseAlertInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((i) => ({
    field: i.path.map(String).join('.') || 'input',
    reason: i.message,
  }));
  throw new DomainError('validation_failed', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors });
}
