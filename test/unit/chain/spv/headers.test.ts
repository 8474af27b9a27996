import { describe, expect, it } from 'vitest';
import {
  type ChainEntry,
  CHAIN_PARAMS,
  calculateNextWorkRequired,
  checkHeader,
  checkProofOfWork,
  parseHeaderHex,
  permittedDifficultyTransition,
  SpvError,
  serializeHeader,
  workFromBits,
} from '../../../../src/chain/spv/index.js';
import run from '../../../fixtures/mainnet/headers-554390-554408.json' with { type: 'json' };
import proofs from '../../../fixtures/mainnet/proofs.json' with { type: 'json' };

const main = CHAIN_PARAMS.bitcoin;

function entryOf(hex: string, height: number, chainwork = 0n): ChainEntry {
  const h = parseHeaderHex(hex);
  return { height, hash: h.hash, time: h.time, bits: h.bits, chainwork };
}

function refusal(fn: () => unknown): SpvError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpvError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('genesis header (Bitcoin Core chainparams)', () => {
  const h = parseHeaderHex(proofs.genesis.header);
  it('parses, hashes and re-serializes byte for byte', () => {
    expect(h.hash).toBe(proofs.genesis.hash);
    expect(h.version).toBe(1);
    expect(h.prevHash).toBe('00'.repeat(32));
    expect(h.merkleRoot).toBe('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
    expect(h.time).toBe(1231006505);
    expect(h.bits).toBe(0x1d00ffff);
    expect(h.nonce).toBe(2083236893);
    expect(serializeHeader(h).toString('hex')).toBe(proofs.genesis.header);
  });
  it('meets its own target; its work is 0x100010001 (getblockheader chainwork of block 0)', () => {
    expect(() => checkProofOfWork(main, h)).not.toThrow();
    expect(workFromBits(h.bits)).toBe(0x100010001n);
  });
  it('every network genesis in the params hashes to its known hash and meets its limit', () => {
    for (const p of Object.values(CHAIN_PARAMS)) {
      const g = parseHeaderHex(p.genesisHeaderHex);
      expect(g.hash, p.name).toBe(p.genesisHash);
      expect(() => checkProofOfWork(p, g), p.name).not.toThrow();
    }
  });
  it('refuses a header that is not 80 bytes', () => {
    expect(refusal(() => parseHeaderHex(proofs.genesis.header.slice(2))).field).toBe('header_hex');
    expect(refusal(() => parseHeaderHex(`${proofs.genesis.header}00`)).reason).toMatch(/80 bytes/);
  });
});

describe('real mainnet headers 554,390-554,408 across the 554,400 retarget (summa-tx/bitcoin-spv)', () => {
  const start = run.firstHeight;
  const known = new Map<number, ChainEntry>();
  known.set(run.periodStart.height, entryOf(run.periodStart.hex, run.periodStart.height));
  const lookup = (height: number) => known.get(height);
  const lastTime = parseHeaderHex(run.headers[run.headers.length - 1]!).time;

  it('each header links to the one before, meets its target, carries the bits the retarget rule requires', () => {
    known.set(start, entryOf(run.headers[0]!, start));
    let parent = known.get(start)!;
    for (let i = 1; i < run.headers.length; i++) {
      const header = parseHeaderHex(run.headers[i]!);
      expect(header.hash).toBe(run.hashes[i]);
      const entry = checkHeader({ params: main, header, parent, ancestor: lookup, nowSec: lastTime });
      expect(entry.height).toBe(start + i);
      expect(entry.chainwork - parent.chainwork).toBe(workFromBits(header.bits));
      known.set(entry.height, entry);
      parent = entry;
    }
    expect(parent.height).toBe(554408);
    expect(known.get(554399)!.bits).toBe(0x1731d97c);
    expect(known.get(554400)!.bits).toBe(0x17371ef4);
  });

  it('the retarget is Core CalculateNextWorkRequired from 552,384 and 554,399, a permitted transition', () => {
    const first = entryOf(run.periodStart.hex, 552384);
    const last = entryOf(run.headers[9]!, 554399);
    expect(calculateNextWorkRequired(main, last, first)).toBe(0x17371ef4);
    expect(permittedDifficultyTransition(main, 554400, 0x1731d97c, 0x17371ef4)).toBe(true);
    expect(permittedDifficultyTransition(main, 554401, 0x1731d97c, 0x17371ef4)).toBe(false);
    expect(permittedDifficultyTransition(main, 554400, 0x1731d97c, 0x1631d97c)).toBe(false);
    expect(permittedDifficultyTransition(main, 554400, 0x1731d97c, 0x1831d97c)).toBe(false);
  });

  // One byte changed in each field of the retarget header 554,400 (offsets per the 80-byte layout).
  const fields: [string, number, RegExp][] = [
    ['version', 1, /proof of work/],
    ['previous-block hash', 10, /previous-block hash/],
    ['merkle root', 40, /proof of work/],
    ['time', 68, /proof of work/],
    ['bits', 74, /bits|proof of work/],
    ['nonce', 77, /proof of work/],
  ];
  it.each(fields)('refuses 554,400 with one byte of its %s changed', (_name, offset, reason) => {
    const raw = Buffer.from(run.headers[10]!, 'hex');
    raw[offset] = raw[offset]! ^ 0x01;
    const parent = known.get(554399) ?? entryOf(run.headers[9]!, 554399);
    const header = parseHeaderHex(raw.toString('hex'));
    const err = refusal(() => checkHeader({ params: main, header, parent, ancestor: lookup, nowSec: lastTime }));
    expect(err.field).toBe('header_hex');
    expect(err.reason).toMatch(reason);
  });

  it('refuses the real 554,400 when the clock says it is more than 2 hours early', () => {
    const parent = entryOf(run.headers[9]!, 554399);
    const header = parseHeaderHex(run.headers[10]!);
    const err = refusal(() =>
      checkHeader({ params: main, header, parent, ancestor: lookup, nowSec: header.time - 7201 }),
    );
    expect(err.reason).toMatch(/2 hours/);
    expect(() =>
      checkHeader({ params: main, header, parent, ancestor: lookup, nowSec: header.time - 7200 }),
    ).not.toThrow();
  });

  it('refuses a real header placed on the wrong parent', () => {
    const parent = entryOf(run.headers[8]!, 554399);
    const err = refusal(() =>
      checkHeader({
        params: main,
        header: parseHeaderHex(run.headers[10]!),
        parent,
        ancestor: lookup,
        nowSec: lastTime,
      }),
    );
    expect(err.reason).toMatch(/not the parent/);
  });
});
