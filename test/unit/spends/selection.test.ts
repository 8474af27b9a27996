import { Transaction as ScureTransaction } from '@scure/btc-signer';
import fc from 'fast-check';
import { address as addressCodec, networks, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { composeSpend, type Destination, selectionParams } from '../../../src/custody/compose.js';
import { finalise } from '../../../src/custody/finalise.js';
import type { ScriptType } from '../../../src/custody/multisig.js';
import {
  type CandidateCoin,
  compareCoinsDesc,
  fundWith,
  largestCoins,
  requiredFor,
  SelectionError,
  type SelectionParams,
  selectCoins,
} from '../../../src/custody/selection.js';
import { readSignatures, unionOf } from '../../../src/custody/signatures.js';
import { checkFeeRules, dustLimitSat, feeFor } from '../../../src/custody/vsize.js';
import { fundedCoins, SEEDS, signerOf, signWithBitcoinjs, testWallet } from './fixtures.js';

const P2WSH_2OF3 = { script: 'p2wsh' as const, threshold: 2, witnessScriptBytes: 105 };
const params = (over: Partial<SelectionParams> = {}): SelectionParams => ({
  targetSat: 100_000n,
  feeRateMsatVb: 1000n,
  inputShape: P2WSH_2OF3,
  outputScriptBytes: [22],
  changeScriptBytes: 34,
  changeDustSat: 330n,
  maxInputs: 500,
  ...over,
});
const coin = (valueSat: bigint, n: number): CandidateCoin => ({
  txid: n.toString(16).padStart(64, '0'),
  vout: n % 3,
  valueSat,
});

describe('dust limits by script type (Bitcoin Core GetDustThreshold, 3 sat/vB)', () => {
  const script = (a: string) => addressCodec.toOutputScript(a, networks.bitcoin);
  it.each([
    ['p2pkh', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', 546n],
    ['p2sh', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 540n],
    ['p2wpkh', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 294n],
    ['p2wsh', 'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3', 330n],
  ])('%s: %s sat', (_name, address, limit) => {
    expect(dustLimitSat(script(address))).toBe(limit);
  });
  it('p2tr (witness v1): 330 sat', () =>
    expect(dustLimitSat(Uint8Array.from([0x51, 0x20, ...new Uint8Array(32)]))).toBe(330n));
  it('OP_RETURN carries no value', () => expect(dustLimitSat(Uint8Array.from([0x6a, 0x01, 0x00]))).toBe(0n));
});

describe('fee rules', () => {
  const base = { maxFeeRateSatVb: 1000, feeSat: 1_000n, amountSentSat: 100_000n };
  it('refuses under 1 sat/vB, over the maximum, and a fee over 10% of what is sent', () => {
    expect(checkFeeRules({ ...base, feeRateMsatVb: 999n })?.rule).toBe('fee_rate_too_low');
    expect(checkFeeRules({ ...base, feeRateMsatVb: 1_000_001n })?.rule).toBe('fee_rate_too_high');
    expect(checkFeeRules({ ...base, feeRateMsatVb: 1000n, feeSat: 10_001n })).toEqual({
      rule: 'fee_over_share',
      feeSat: 10_001n,
      amountSentSat: 100_000n,
      maximumSat: 10_000n,
    });
    expect(checkFeeRules({ ...base, feeRateMsatVb: 1000n, feeSat: 10_000n })).toBeNull();
    expect(checkFeeRules({ ...base, feeRateMsatVb: 1_000_000n })).toBeNull();
  });
  it('rounds a fractional rate up to the satoshi', () => expect(feeFor(141, 1500n)).toBe(212n));
});

describe('coin selection', () => {
  it('prefers one coin that covers the amount, and among those the smallest', () => {
    const coins = [coin(50_000n, 1), coin(120_000n, 2), coin(300_000n, 3), coin(90_000n, 4)];
    const f = selectCoins(coins, params());
    expect(f.inputs.map((c) => c.valueSat)).toEqual([120_000n]);
    expect(f.changeSat).toBe(120_000n - 100_000n - f.feeSat);
    expect(f.feeSat).toBe(feeFor(f.vsize, 1000n));
  });

  it('leaves a change below the dust limit to the fee', () => {
    const need = requiredFor(params(), 1);
    const f = selectCoins([coin(need + 100n, 1)], params());
    expect(f.changeSat).toBe(0n);
    expect(f.feeSat).toBe(need + 100n - 100_000n);
  });

  it('refuses more than the available amount and more than SPEND_MAX_INPUTS inputs', () => {
    const coins = Array.from({ length: 10 }, (_, i) => coin(20_000n, i));
    expect(() => selectCoins(coins, params({ targetSat: 10_000_000n }))).toThrow(SelectionError);
    try {
      selectCoins(coins, params({ maxInputs: 3 }));
    } catch (error) {
      expect((error as SelectionError).failure.reason).toBe('too_many_inputs');
    }
    expect(selectCoins(coins, params({ maxInputs: 6 })).inputs).toHaveLength(6);
    expect(() => fundWith(coins.slice(0, 2), params())).toThrow(SelectionError);
  });

  it('properties: covers amount and fee, fewest inputs possible, change 0 or over dust, independent of order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 1_000n, max: 50_000_000n }), { minLength: 1, maxLength: 60 }),
        fc.bigInt({ min: 1_000n, max: 200_000_000n }),
        fc.integer({ min: 1000, max: 50_000 }),
        (values, targetSat, rate) => {
          const coins = values.map((v, i) => coin(v, i));
          const p = params({ targetSat, feeRateMsatVb: BigInt(rate), maxInputs: 40 });
          let f: ReturnType<typeof selectCoins>;
          try {
            f = selectCoins(coins, p);
          } catch (error) {
            if (!(error instanceof SelectionError)) throw error;
            const sorted = [...coins].sort(compareCoinsDesc);
            // No k <= maxInputs of the largest coins cover the amount.
            for (let k = 1; k <= Math.min(40, sorted.length); k++) {
              const sum = sorted.slice(0, k).reduce((s, c) => s + c.valueSat, 0n);
              expect(sum < requiredFor(p, k)).toBe(true);
            }
            return;
          }
          const total = f.inputs.reduce((s, c) => s + c.valueSat, 0n);
          expect(total).toBe(targetSat + f.feeSat + f.changeSat);
          expect(f.feeSat >= feeFor(f.vsize, p.feeRateMsatVb)).toBe(true);
          expect(f.changeSat === 0n || f.changeSat >= 330n).toBe(true);
          const sorted = [...coins].sort(compareCoinsDesc);
          const fewer = sorted.slice(0, f.inputs.length - 1).reduce((s, c) => s + c.valueSat, 0n);
          expect(f.inputs.length === 1 || fewer < requiredFor(p, f.inputs.length - 1)).toBe(true);
          const again = selectCoins([...coins].reverse(), p);
          expect(again.inputs.map((c) => c.txid)).toEqual(f.inputs.map((c) => c.txid));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('predicted vsize equals the finalised transaction', () => {
  const outsider = signerOf(SEEDS.abandon, 'p2wsh').root.derivePath("m/84'/1'/0'/0/1");
  const dest = payments.p2wpkh({ pubkey: outsider.publicKey, network: networks.regtest });
  it.each([
    ['p2wsh', 1],
    ['p2wsh', 4],
    ['p2sh-p2wsh', 1],
    ['p2sh-p2wsh', 4],
  ] as [ScriptType, number][])('%s with %i inputs (checked by @scure/btc-signer too)', (script, count) => {
    const { wallet, signers } = testWallet(script, 2, [SEEDS.v1, SEEDS.v2, SEEDS.v4]);
    const coins = fundedCoins(
      wallet,
      Array.from({ length: count }, () => 10_000_000n),
      10,
    );
    const change = {
      address: wallet.derive(1, 0).address,
      script: wallet.derive(1, 0).scriptPubKey,
      chain: 1 as const,
      index: 0,
    };
    const destinations: Destination[] = [
      { address: dest.address!, script: dest.output!, valueSat: BigInt(count) * 10_000_000n - 5_000_000n, label: null },
    ];
    const funding = fundWith(
      coins,
      selectionParams({ wallet, destinations, change, feeRateMsatVb: 3000n, maxInputs: 500 }),
    );
    const spend = composeSpend({ wallet, policyId: 'p', policyVersion: 1, funding, destinations, change, locktime: 5 });
    const base = spend.psbt;
    const sigs = [0, 2].map((i) =>
      readSignatures(spend.unsignedTx, spend.contexts, signWithBitcoinjs(base, signers[i]!)),
    );
    const final = finalise(spend.unsignedTx, spend.contexts, unionOf(sigs));
    expect(final.vsize).toBe(funding.vsize);
    expect(ScureTransaction.fromRaw(final.tx.toBuffer(), { allowUnknownOutputs: true }).vsize).toBe(funding.vsize);
  });
});

describe('largestCoins (quickselect of the cut-off value)', () => {
  it('is the head of the full compareCoinsDesc sort, with duplicates and ties at the cut-off', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 1n, max: 40n }), { minLength: 0, maxLength: 300 }),
        fc.integer({ min: 1, max: 320 }),
        (values, count) => {
          const coins = values.map((v, i) => coin(v * 1_000n, i));
          const expected = [...coins].sort(compareCoinsDesc).slice(0, count);
          expect(largestCoins(coins, count)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('handles 100,000 coins of distinct and of equal values', () => {
    const distinct = Array.from({ length: 100_000 }, (_, i) => coin(BigInt(((i * 7919) % 100_000) + 1), i));
    expect(largestCoins(distinct, 501).map((c) => c.valueSat)).toEqual(
      Array.from({ length: 501 }, (_, i) => BigInt(100_000 - i)),
    );
    const equal = Array.from({ length: 100_000 }, (_, i) => coin(5_000n, i));
    expect(largestCoins(equal, 3)).toEqual(equal.slice(0, 3));
  });
});
