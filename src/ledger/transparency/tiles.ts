// C2SP tlog-tiles paths (c2sp.org/tlog-tiles): a tile at level L holds up to 256 hashes of tree
// level 8L; its index N is written in groups of three digits, all but the last prefixed "x"
// (1234067 -> x001/x234/067); a partial tile adds ".p/<width>".
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;

export function tileIndexPath(n: number): string {
  const digits = String(n);
  const padded = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups = padded.match(/.{3}/g)!;
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export function tilePath(level: number, n: number, width = TILE_WIDTH): string {
  return `tile/${level}/${tileIndexPath(n)}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
}

export interface TileRef {
  /** A hash level, or 'entries' for an entry bundle (tile/entries/<N>). */
  level: number | 'entries';
  index: number;
  width: number;
}

/** Parses `<L>/<N path>[.p/<W>]` (the part after tile/); null when it is not a tile path. */
export function parseTilePath(rest: string): TileRef | null {
  if (rest.startsWith('entries/')) {
    const t = parseTilePath(`0/${rest.slice('entries/'.length)}`);
    return t ? { ...t, level: 'entries' } : null;
  }
  const m =
    /^([0-9]|[1-5][0-9]|6[0-3])\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]?|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?$/.exec(
      rest,
    );
  if (!m) return null;
  const groups = m[2]!.split('/').map((g) => g.replace(/^x/, ''));
  if (groups.length > 1 && groups[0] === '000') return null; // no leading zero groups
  const index = Number(groups.join(''));
  if (!Number.isSafeInteger(index)) return null;
  return { level: Number(m[1]), index, width: m[3] ? Number(m[3]) : TILE_WIDTH };
}

/** The width of tile (level, index) in a tree of `size` leaves: 0 if absent, 256 if full. */
export function tileWidthAt(level: number, index: number, size: number): number {
  const nodes = Math.floor(size / TILE_WIDTH ** level); // complete nodes at tree level 8L
  const width = nodes - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, width));
}

/** An entry bundle: each entry as a big-endian 16-bit length and its bytes (at most 65,535). */
export function entryBundle(entries: Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const data of entries) {
    if (data.length > 0xffff) throw new RangeError(`an entry of ${data.length} bytes does not fit a tlog-tiles bundle`);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(data.length);
    parts.push(length, Buffer.from(data));
  }
  return Buffer.concat(parts);
}
