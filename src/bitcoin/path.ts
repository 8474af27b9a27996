// BIP-32 derivation paths as written in policy files: m/48'/0'/0'/2' or m/48h/0h/0h/2h.

export const HARDENED = 0x80000000;
const MAX_DEPTH = 255;

export type ParsedPath = { indexes: number[] } | { error: string };

/** Parses `m/48'/1'/0'/2'` (`'` or `h` for hardened) into child numbers. */
export function parsePath(path: string): ParsedPath {
  if (typeof path !== 'string' || !/^m(\/\d+['h]?)*$/.test(path)) {
    return { error: `must look like m/48'/0'/0'/2' ('/h for hardened), got "${String(path).slice(0, 60)}"` };
  }
  const parts = path.split('/').slice(1);
  if (parts.length > MAX_DEPTH) return { error: `has more than ${MAX_DEPTH} steps` };
  const indexes: number[] = [];
  for (const part of parts) {
    const hardened = part.endsWith("'") || part.endsWith('h');
    const digits = hardened ? part.slice(0, -1) : part;
    if (digits.length > 1 && digits.startsWith('0')) return { error: `step "${part}" has a leading zero` };
    const n = Number(digits);
    if (!Number.isSafeInteger(n) || n >= HARDENED) return { error: `step "${part}" is over 2^31-1` };
    indexes.push(hardened ? n + HARDENED : n);
  }
  return { indexes };
}

/** The path in the descriptor form: `48h/0h/0h/2h` (no `m/`), as Bitcoin Core prints key origins. */
export function originPath(indexes: readonly number[]): string {
  return indexes.map((i) => (i >= HARDENED ? `${i - HARDENED}h` : `${i}`)).join('/');
}

/** `m/48'/0'/0'/2'/0/5`: the apostrophe form, which PSBT tools and Caravan read. */
export function formatPath(indexes: readonly number[]): string {
  return ['m', ...indexes.map((i) => (i >= HARDENED ? `${i - HARDENED}'` : `${i}`))].join('/');
}
