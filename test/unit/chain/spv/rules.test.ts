import { Block } from 'bitcoinjs-lib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChainEntry,
  CHAIN_PARAMS,
  calculateNextWorkRequired,
  checkHeader,
  decodeCompact,
  encodeCompact,
  medianTimePast,
  nextWorkRequired,
  parseHeader,
  parseHeaderHex,
  permittedDifficultyTransition,
  SpvError,
  workFromBits,
} from '../../../../src/chain/spv/index.js';
import { coinbaseTx, mineBlock } from '../../../support/regtest.js';

const { bitcoin: main, testnet, testnet4, signet, regtest } = CHAIN_PARAMS;

function refusal(fn: () => unknown): SpvError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpvError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

// Bitcoin Core src/test/arith_uint256_tests.cpp, "bignum_SetCompact".
describe('compact targets (Core SetCompact / GetCompact vectors)', () => {
  it.each([
    [0x00000000, 0n, 0x00000000],
    [0x00123456, 0n, 0x00000000],
    [0x01003456, 0n, 0x00000000],
    [0x02000056, 0n, 0x00000000],
    [0x03000000, 0n, 0x00000000],
    [0x04000000, 0n, 0x00000000],
    [0x00923456, 0n, 0x00000000],
    [0x01803456, 0n, 0x00000000],
    [0x02800056, 0n, 0x00000000],
    [0x03800000, 0n, 0x00000000],
    [0x04800000, 0n, 0x00000000],
    [0x01123456, 0x12n, 0x01120000],
    [0x02123456, 0x1234n, 0x02123400],
    [0x03123456, 0x123456n, 0x03123456],
    [0x04123456, 0x12345600n, 0x04123456],
    [0x05009234, 0x92340000n, 0x05009234],
    [0x20123456, 0x123456n << 232n, 0x20123456],
  ])('bits %i', (bits, target, compact) => {
    const d = decodeCompact(bits);
    expect(d.target).toBe(target);
    expect(d.negative || d.overflow).toBe(false);
    expect(encodeCompact(d.target)).toBe(compact);
  });
  it('flags negative (0x04923456, 0x01fedcba) and overflow (0xff123456)', () => {
    expect(decodeCompact(0x04923456).negative).toBe(true);
    expect(decodeCompact(0x01fedcba).negative).toBe(true);
    expect(decodeCompact(0xff123456).overflow).toBe(true);
  });
  // bitcoinjs-lib test/fixtures/block.json "targets" (a second implementation's vectors).
  it.each([
    ['1d00ffff', '00000000ffff0000000000000000000000000000000000000000000000000000'],
    ['1b0404cb', '00000000000404cb000000000000000000000000000000000000000000000000'],
    ['1814dd04', '000000000000000014dd04000000000000000000000000000000000000000000'],
    ['207fffff', '7fffff0000000000000000000000000000000000000000000000000000000000'],
  ])('bits %s is target %s', (bits, target) => {
    expect(decodeCompact(Number.parseInt(bits, 16)).target).toBe(BigInt(`0x${target}`));
    expect(Buffer.from(Block.calculateTarget(Number.parseInt(bits, 16))).toString('hex')).toBe(target);
  });
  it('round-trips: decode(encode(t)) keeps the top 23 bits of t and never exceeds it', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 255n) - 1n }), (t) => {
        const back = decodeCompact(encodeCompact(t)).target;
        expect(back <= t).toBe(true);
        expect(t - back < t / (1n << 15n) + 1n).toBe(true);
        expect(encodeCompact(back)).toBe(encodeCompact(t));
      }),
    );
  });
});

const entry = (height: number, time: number, bits: number): ChainEntry => ({
  height,
  hash: `h${height}`,
  time,
  bits,
  chainwork: 0n,
});

describe('retarget rules', () => {
  it('mainnet: bits unchanged inside a period, the clamp at a boundary (1/4 .. 4x, at most powLimit)', () => {
    const last = entry(4031, 2_000_000, 0x1b0404cb);
    const target = decodeCompact(0x1b0404cb).target;
    const fast = calculateNextWorkRequired(main, last, { time: last.time - 1, bits: 0 });
    expect(decodeCompact(fast).target).toBe(decodeCompact(encodeCompact(target / 4n)).target);
    const slow = calculateNextWorkRequired(main, last, { time: last.time - 100 * 1_209_600, bits: 0 });
    expect(decodeCompact(slow).target).toBe(decodeCompact(encodeCompact(target * 4n)).target);
    const atLimit = calculateNextWorkRequired(main, entry(2015, 1_209_600 * 8, 0x1d00ffff), { time: 0, bits: 0 });
    expect(atLimit).toBe(0x1d00ffff);
    expect(nextWorkRequired(main, entry(100, 5000, 0x1b0404cb), 99_999_999, () => undefined)).toBe(0x1b0404cb);
  });

  it('a computed retarget is always a transition Core permits (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0x1b000100, max: 0x1c7fffff }),
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        (oldBits, spanSec) => {
          const last = entry(4031, 20_000_000, oldBits);
          const next = calculateNextWorkRequired(main, last, { time: last.time - spanSec, bits: oldBits });
          expect(permittedDifficultyTransition(main, 4032, oldBits, next)).toBe(true);
        },
      ),
    );
  });

  it('testnet3: a block 20 minutes after its parent may use powLimit; else the last real bits', () => {
    const limit = 0x1d00ffff;
    const chain = new Map<number, ChainEntry>([
      [4032, entry(4032, 1000, 0x1c0fffff)],
      [4033, entry(4033, 3000, limit)],
      [4034, entry(4034, 5000, limit)],
    ]);
    const parent = chain.get(4034)!;
    expect(nextWorkRequired(testnet, parent, parent.time + 1201, (h) => chain.get(h))).toBe(limit);
    expect(nextWorkRequired(testnet, parent, parent.time + 1200, (h) => chain.get(h))).toBe(0x1c0fffff);
    // mainnet has no such exception
    expect(nextWorkRequired(main, chain.get(4032)!, 99_999, () => undefined)).toBe(0x1c0fffff);
  });

  it('testnet4 (BIP94): retarget from the first block of the period, not a min-difficulty last block', () => {
    const first = entry(2016, 0, 0x1c0fffff);
    const last = entry(4031, 1_209_600, 0x1d00ffff);
    expect(calculateNextWorkRequired(testnet4, last, first)).toBe(0x1c0fffff);
    expect(calculateNextWorkRequired(testnet, last, first)).toBe(0x1d00ffff);
  });

  it('signet retargets like mainnet within its own limit; regtest never retargets', () => {
    const last = entry(2015, 1_209_600 * 8, 0x1e0377ae);
    expect(calculateNextWorkRequired(signet, last, { time: 0, bits: 0 })).toBe(0x1e0377ae);
    const r = entry(2015, 100, 0x207fffff);
    expect(nextWorkRequired(regtest, r, 101, () => undefined)).toBe(0x207fffff);
  });

  it('median time past of the previous 11 (odd and short windows)', () => {
    const times = [10, 50, 20, 40, 30, 90, 80, 70, 60, 100, 5, 1];
    const chain = new Map(times.map((t, i) => [i, entry(i, t, 0)]));
    expect(medianTimePast(chain.get(11)!, (h) => chain.get(h))).toBe(50);
    expect(medianTimePast(chain.get(2)!, (h) => chain.get(h))).toBe(20);
  });
});

describe('regtest headers mined in the test', () => {
  const genesis = parseHeaderHex(regtest.genesisHeaderHex);
  const root: ChainEntry = {
    height: 0,
    hash: genesis.hash,
    time: genesis.time,
    bits: genesis.bits,
    chainwork: workFromBits(genesis.bits),
  };
  const now = 2_000_000_000;
  const mined = [1, 2, 3].reduce<{ entries: ChainEntry[] }>(
    (acc, height) => {
      const parent = acc.entries[acc.entries.length - 1]!;
      const b = mineBlock(height, parent.hash, [coinbaseTx(height, [{ script: Buffer.from([0x51]), valueSat: 1n }])]);
      const e = checkHeader({
        params: regtest,
        header: parseHeader(b.block.toBuffer(true)),
        parent,
        ancestor: (h) => acc.entries[h],
        nowSec: now,
      });
      acc.entries.push(e);
      return acc;
    },
    { entries: [root] },
  ).entries;

  it('chain from genesis: each header accepted, work adding up', () => {
    expect(mined).toHaveLength(4);
    expect(mined[3]!.chainwork).toBe(4n * workFromBits(0x207fffff));
    expect(workFromBits(0x207fffff)).toBe(2n);
  });

  const tip = () => mined[3]!;
  const lookup = (h: number) => mined[h];
  function header(mutate: (b: Block) => void, wantPow = true) {
    const b = mineBlock(4, tip().hash, [coinbaseTx(4, [{ script: Buffer.from([0x51]), valueSat: 1n }])]).block;
    mutate(b);
    b.nonce = 0;
    while (b.checkProofOfWork() !== wantPow) b.nonce++;
    return parseHeader(b.toBuffer(true));
  }

  it('refuses too little work: a hash above the target', () => {
    const h = header(() => {}, false);
    const err = refusal(() =>
      checkHeader({ params: regtest, header: h, parent: tip(), ancestor: lookup, nowSec: now }),
    );
    expect(err.reason).toMatch(/proof of work/);
  });
  it('refuses wrong bits even with enough work for them (regtest never retargets)', () => {
    const h = header((b) => {
      b.bits = 0x2000ffff;
    });
    const err = refusal(() =>
      checkHeader({ params: regtest, header: h, parent: tip(), ancestor: lookup, nowSec: now }),
    );
    expect(err.reason).toMatch(/retarget rule requires 0x207fffff/);
  });
  it('refuses bits above the network limit', () => {
    const h = header((b) => {
      b.bits = 0x2100ffff;
    });
    const err = refusal(() => checkProofOfWorkOnly(h));
    expect(err.reason).toMatch(/within the regtest limit/);
  });
  it('refuses a time not after the median of the previous 11, and one more than 2 h ahead', () => {
    const early = header((b) => {
      b.timestamp = mined[2]!.time;
    });
    expect(
      refusal(() => checkHeader({ params: regtest, header: early, parent: tip(), ancestor: lookup, nowSec: now }))
        .reason,
    ).toMatch(/median/);
    const late = header((b) => {
      b.timestamp = now + 7201;
    });
    expect(
      refusal(() => checkHeader({ params: regtest, header: late, parent: tip(), ancestor: lookup, nowSec: now }))
        .reason,
    ).toMatch(/2 hours/);
  });
  it('refuses a wrong parent', () => {
    const h = header(() => {});
    const err = refusal(() =>
      checkHeader({ params: regtest, header: h, parent: mined[2]!, ancestor: lookup, nowSec: now }),
    );
    expect(err.reason).toMatch(/not the parent/);
  });
});

function checkProofOfWorkOnly(h: ReturnType<typeof parseHeader>) {
  return checkHeader({
    params: regtest,
    header: h,
    parent: { height: 3, hash: h.prevHash, time: 0, bits: 0x207fffff, chainwork: 0n },
    ancestor: () => undefined,
    nowSec: 2_000_000_000,
  });
}

describe('testnet4 timewarp (BIP94)', () => {
  it('permittedDifficultyTransition never binds min-difficulty networks', () => {
    expect(permittedDifficultyTransition(testnet4, 4032, 0x1c0fffff, 0x1d00ffff)).toBe(true);
  });
});
