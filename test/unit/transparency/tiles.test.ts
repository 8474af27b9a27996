// C2SP tlog-tiles paths: the spec's own example (index 1234067 -> x001/x234/067), partial tiles,
// and what parsing refuses; tile widths at a tree size. Also the compact range the offline
// verifier builds exports' trees with, against the tree's roots at every size up to 300.
import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  leafHash,
  memoryReader,
  parseTilePath,
  rootAt,
  tileIndexPath,
  tilePath,
  tileWidthAt,
} from '../../../src/ledger/transparency/offline.js';

describe('tlog-tiles paths', () => {
  it('writes the index in 3-digit groups, all but the last prefixed x', () => {
    expect(tileIndexPath(1234067)).toBe('x001/x234/067');
    expect(tileIndexPath(0)).toBe('000');
    expect(tileIndexPath(1000)).toBe('x001/000');
    expect(tilePath(0, 1234067)).toBe('tile/0/x001/x234/067');
    expect(tilePath(1, 3, 7)).toBe('tile/1/003.p/7');
  });

  it('parses what it writes and refuses the rest', () => {
    expect(parseTilePath('0/x001/x234/067')).toEqual({ level: 0, index: 1234067, width: 256 });
    expect(parseTilePath('2/003.p/255')).toEqual({ level: 2, index: 3, width: 255 });
    for (const bad of ['0/1', '0/x000/001', '0/001.p/0', '0/001.p/256', '0/001.p/007', '64/000', 'a/000', '0/001/'])
      expect(parseTilePath(bad), bad).toBeNull();
  });

  it('gives the width of a tile in a tree of a given size', () => {
    expect(tileWidthAt(0, 0, 37)).toBe(37);
    expect(tileWidthAt(0, 0, 256)).toBe(256);
    expect(tileWidthAt(0, 1, 300)).toBe(44);
    expect(tileWidthAt(1, 0, 300)).toBe(1);
    expect(tileWidthAt(1, 0, 255)).toBe(0);
  });
});

describe('CompactRange', () => {
  it('gives the tree root at every size up to 300', () => {
    const leaves = Array.from({ length: 300 }, (_, i) => leafHash(Buffer.from([i & 255, i >> 8])));
    const read = memoryReader(leaves);
    const range = new CompactRange();
    expect(range.root()).toEqual(Buffer.from(rootAt(read, 0)));
    for (let n = 1; n <= 300; n++) {
      range.append(leaves[n - 1]!);
      expect(range.root().toString('hex'), `size ${n}`).toBe(Buffer.from(rootAt(read, n)).toString('hex'));
    }
  });
});
