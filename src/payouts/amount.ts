import { AmountError, parseBtcAmount, parseSatAmount } from '../money/btc.js';
import { invalid } from '../errors.js';

// The fleet's wire amounts as bigint satoshis, with errors that name the field.
// Parsing itself is src/money/btc.ts; a payout must also be more than zero.

function refuse(field: string, reason: string): never {
  throw invalid(field, reason);
}

function parsePositive(parse: (text: string) => bigint, text: string, field: string): bigint {
  let sat: bigint;
  try {
    sat = parse(text);
  } catch (error) {
    if (error instanceof AmountError) refuse(field, error.message);
    throw error;
  }
  if (sat === 0n) refuse(field, 'must be more than zero');
  return sat;
}

export const parseBtcToSat = (text: string, field: string) => parsePositive(parseBtcAmount, text, field);
export const parseSat = (text: string, field: string) => {
  if (text.startsWith('-')) refuse(field, 'must not be negative');
  return parsePositive(parseSatAmount, text, field);
};
