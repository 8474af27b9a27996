// BIP-380 descriptor checksum: a BCH code over the descriptor's characters, written after '#'.
// https://github.com/bitcoin/bips/blob/master/bip-0380.mediawiki#checksum

const INPUT_CHARSET =
  '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];

function polymod(symbols: number[]): bigint {
  let chk = 1n;
  for (const value of symbols) {
    const top = chk >> 35n;
    chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value);
    for (let i = 0; i < 5; i++) if ((top >> BigInt(i)) & 1n) chk ^= GENERATOR[i]!;
  }
  return chk;
}

function expand(descriptor: string): number[] | null {
  const symbols: number[] = [];
  let groups: number[] = [];
  for (const c of descriptor) {
    const v = INPUT_CHARSET.indexOf(c);
    if (v < 0) return null;
    symbols.push(v & 31);
    groups.push(v >> 5);
    if (groups.length === 3) {
      symbols.push(groups[0]! * 9 + groups[1]! * 3 + groups[2]!);
      groups = [];
    }
  }
  if (groups.length === 1) symbols.push(groups[0]!);
  else if (groups.length === 2) symbols.push(groups[0]! * 3 + groups[1]!);
  return symbols;
}

/** The 8-character checksum of a descriptor (without '#'); throws on a character outside the BIP-380 set. */
export function descriptorChecksum(descriptor: string): string {
  const symbols = expand(descriptor);
  if (!symbols) throw new Error('the descriptor contains a character outside the BIP-380 character set');
  const checksum = polymod([...symbols, 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
  let out = '';
  for (let i = 0; i < 8; i++) out += CHECKSUM_CHARSET[Number((checksum >> BigInt(5 * (7 - i))) & 31n)];
  return out;
}

/** `descriptor#checksum`. */
export function withChecksum(descriptor: string): string {
  return `${descriptor}#${descriptorChecksum(descriptor)}`;
}

/** True when `s` is `SCRIPT#CHECKSUM` with a valid 8-character checksum. */
export function verifyDescriptorChecksum(s: string): boolean {
  const hash = s.lastIndexOf('#');
  if (hash < 0 || s.length - hash !== 9) return false;
  const checksum = s.slice(hash + 1);
  if (![...checksum].every((c) => CHECKSUM_CHARSET.includes(c))) return false;
  const symbols = expand(s.slice(0, hash));
  if (!symbols) return false;
  return polymod([...symbols, ...[...checksum].map((c) => CHECKSUM_CHARSET.indexOf(c))]) === 1n;
}
