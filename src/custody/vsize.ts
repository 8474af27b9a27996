import type { ScriptType } from './multisig.js';

// Exact transaction weight for m-of-n P2WSH and P2SH-P2WSH spends (BIP-141: weight = 4 x base + witness,
// vsize = ceil(weight / 4)), dust limits by output script (Bitcoin Core's GetDustThreshold at the default
// 3 sat/vB dust relay fee) and the fee rules a spend must meet. Pure.

/**
 * Bytes of one signature witness item: a low-R, low-S DER signature (70 bytes) and its sighash byte. Bitcoin Core
 * and libsecp256k1-based signers grind R below 2^255 so that every signature has this length, which is what makes
 * the predicted vsize the final one. A signer that does not grind makes 72-byte items half the time.
 */
export const SIGNATURE_BYTES = 71;
/** The longest item a low-S signature can be (33-byte R), which bounds the final weight from above. */
export const MAX_SIGNATURE_BYTES = 72;
export const MIN_FEE_RATE_SAT_VB = 1;
/** Hardware wallets (Coldcard) refuse a fee above 10% of what is sent; so does Reserve. */
export const MAX_FEE_SHARE_PERCENT = 10n;

export function varintSize(n: number): number {
  if (n < 0xfd) return 1;
  if (n <= 0xffff) return 3;
  if (n <= 0xffffffff) return 5;
  return 9;
}

export interface InputShape {
  script: ScriptType;
  threshold: number;
  /** Length of the multisig witness script in bytes (3 + 34 n for n <= 16). */
  witnessScriptBytes: number;
}

/** Base (non-witness) bytes and witness bytes of one input. */
export function inputSize(shape: InputShape, signatureBytes = SIGNATURE_BYTES): { base: number; witness: number } {
  // P2SH-P2WSH's scriptSig is one push of the 34-byte P2WSH program: 0x22 <program>, behind its length byte.
  const scriptSig = shape.script === 'p2sh-p2wsh' ? 35 : 0;
  const base = 32 + 4 + varintSize(scriptSig) + scriptSig + 4;
  const items = shape.threshold + 2; // the empty item CHECKMULTISIG pops, m signatures, the witness script
  const witness =
    varintSize(items) +
    1 +
    shape.threshold * (varintSize(signatureBytes) + signatureBytes) +
    varintSize(shape.witnessScriptBytes) +
    shape.witnessScriptBytes;
  return { base, witness };
}

export function outputSize(scriptBytes: number): number {
  return 8 + varintSize(scriptBytes) + scriptBytes;
}

/** Weight of a segwit transaction spending `inputs` to outputs of the given script lengths. */
export function txWeight(
  inputs: readonly InputShape[],
  outputScriptBytes: readonly number[],
  signatureBytes = SIGNATURE_BYTES,
): number {
  let base = 4 + varintSize(inputs.length) + varintSize(outputScriptBytes.length) + 4;
  let witness = 2; // segwit marker and flag
  for (const shape of inputs) {
    const size = inputSize(shape, signatureBytes);
    base += size.base;
    witness += size.witness;
  }
  for (const bytes of outputScriptBytes) base += outputSize(bytes);
  return base * 4 + witness;
}

export function vsizeOf(weight: number): number {
  return Math.ceil(weight / 4);
}

/** Weight of `count` identical inputs (every input of a vault has the same shape). */
export function uniformTxWeight(shape: InputShape, count: number, outputScriptBytes: readonly number[]): number {
  const one = inputSize(shape);
  const base =
    4 +
    varintSize(count) +
    count * one.base +
    varintSize(outputScriptBytes.length) +
    outputScriptBytes.reduce((sum, bytes) => sum + outputSize(bytes), 0) +
    4;
  return base * 4 + 2 + count * one.witness;
}

/** Fee rates travel as milli-satoshis per vB so that 1.5 sat/vB stays an integer. */
export function feeFor(vsize: number, feeRateMsatVb: bigint): bigint {
  const milli = BigInt(vsize) * feeRateMsatVb;
  return (milli + 999n) / 1000n;
}

function isWitnessProgram(script: Uint8Array): boolean {
  // OP_0..OP_16 followed by one direct push of 2 to 40 bytes (BIP-141).
  const version = script[0]!;
  const okVersion = version === 0x00 || (version >= 0x51 && version <= 0x60);
  return okVersion && script.length >= 4 && script.length <= 42 && script[1] === script.length - 2;
}

/** Smallest value an output of this script may carry to be relayed (0 for OP_RETURN, which carries none). */
export function dustLimitSat(scriptPubKey: Uint8Array): bigint {
  if (scriptPubKey[0] === 0x6a) return 0n;
  // Bitcoin Core: 3 sat/vB x (the output's size + the size of the input that would spend it).
  const spend = isWitnessProgram(scriptPubKey) ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return BigInt(3 * (outputSize(scriptPubKey.length) + spend));
}

export type FeeRuleViolation =
  | { rule: 'fee_rate_too_low'; feeRateSatVb: number; minimum: number }
  | { rule: 'fee_rate_too_high'; feeRateSatVb: number; maximum: number }
  | { rule: 'fee_over_share'; feeSat: bigint; amountSentSat: bigint; maximumSat: bigint };

/** The fee rules of a spend; null when they hold. */
export function checkFeeRules(input: {
  feeRateMsatVb: bigint;
  maxFeeRateSatVb: number;
  feeSat: bigint;
  amountSentSat: bigint;
}): FeeRuleViolation | null {
  const rate = Number(input.feeRateMsatVb) / 1000;
  if (input.feeRateMsatVb < BigInt(MIN_FEE_RATE_SAT_VB) * 1000n)
    return { rule: 'fee_rate_too_low', feeRateSatVb: rate, minimum: MIN_FEE_RATE_SAT_VB };
  if (input.feeRateMsatVb > BigInt(input.maxFeeRateSatVb) * 1000n)
    return { rule: 'fee_rate_too_high', feeRateSatVb: rate, maximum: input.maxFeeRateSatVb };
  const maximumSat = (input.amountSentSat * MAX_FEE_SHARE_PERCENT) / 100n;
  if (input.feeSat > maximumSat)
    return { rule: 'fee_over_share', feeSat: input.feeSat, amountSentSat: input.amountSentSat, maximumSat };
  return null;
}
