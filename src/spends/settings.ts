import { z } from 'zod';

// The spends' limits, from the environment (defaults per the issue). Read once; a bad value stops the start.

const positiveInt = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const schema = z.object({
  SPEND_EXPIRY_HOURS: positiveInt(72, 24 * 365),
  SPEND_MAX_FEE_RATE_SAT_VB: positiveInt(1000, 100_000),
  SPEND_MAX_INPUTS: positiveInt(500, 2000),
});

export interface SpendSettings {
  expiryHours: number;
  maxFeeRateSatVb: number;
  maxInputs: number;
}

let cached: SpendSettings | undefined;

export function spendSettings(env: Record<string, string | undefined> = process.env): SpendSettings {
  if (cached && env === process.env) return cached;
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${issue.path.join('.')}: ${issue.message}`);
  }
  const settings = {
    expiryHours: parsed.data.SPEND_EXPIRY_HOURS,
    maxFeeRateSatVb: parsed.data.SPEND_MAX_FEE_RATE_SAT_VB,
    maxInputs: parsed.data.SPEND_MAX_INPUTS,
  };
  if (env === process.env) cached = settings;
  return settings;
}
