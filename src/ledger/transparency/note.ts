// C2SP signed-note (c2sp.org/signed-note): keys, key IDs, verifier key strings, signing and
// opening notes. Ed25519 through node:crypto. Type 0x01 is a plain Ed25519 note signature (the
// log's); type 0x04 is a tlog-cosignature/v1 (a witness's: timestamp || signature over
// "cosignature/v1\ntime <t>\n" || body). Key strings follow golang.org/x/mod/sumdb/note, so keys
// made by Go tools work here and the other way round.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

export const ALG_ED25519 = 0x01;
export const ALG_COSIGNATURE_V1 = 0x04;
export type NoteAlgorithm = typeof ALG_ED25519 | typeof ALG_COSIGNATURE_V1;

export class NoteError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NoteError';
  }
}

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const MAX_SIGNATURES = 100;
const DASH = '\u2014';

/** A key name: non-empty, no '+', no whitespace, no control characters (signed-note). */
export function validKeyName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !/[+\s\p{Cc}]/u.test(name);
}

/** SHA-256(name || 0x0A || type || public key)[:4], as a 32-bit unsigned number. */
export function keyId(name: string, alg: NoteAlgorithm, publicKey: Uint8Array): number {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.of(0x0a, alg))
    .update(publicKey)
    .digest()
    .readUInt32BE(0);
}

const hex8 = (id: number) => id.toString(16).padStart(8, '0');

export interface Verifier {
  name: string;
  alg: NoteAlgorithm;
  id: number;
  publicKey: Buffer;
}

export interface Signer extends Verifier {
  seed: Buffer;
}

/** `<name>+<hex key id>+<base64(type || public key)>` */
export function verifierKeyString(v: Verifier): string {
  return `${v.name}+${hex8(v.id)}+${Buffer.concat([Buffer.of(v.alg), v.publicKey]).toString('base64')}`;
}

/** `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`, Go's signer key string (id over 0x01). */
export function signerKeyString(s: Signer): string {
  return `PRIVATE+KEY+${s.name}+${hex8(keyId(s.name, ALG_ED25519, s.publicKey))}+${Buffer.concat([Buffer.of(ALG_ED25519), s.seed]).toString('base64')}`;
}

function strictBase64(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || bytes.toString('base64') !== text)
    throw new NoteError(`${what} is not canonical base64`);
  return bytes;
}

/** `<name>+<id>+<key>`: the key's base64 may itself hold '+', so split at the first two only. */
function splitKey(text: string): [string, string, string] | null {
  const i = text.indexOf('+');
  const j = i < 0 ? -1 : text.indexOf('+', i + 1);
  if (i < 0 || j < 0) return null;
  return [text.slice(0, i), text.slice(i + 1, j), text.slice(j + 1)];
}

/** Parses a verifier key string; the key ID must match the name and key (no silent mismatch). */
export function parseVerifierKey(text: string): Verifier {
  const parts = splitKey(text.trim());
  if (!parts) throw new NoteError('a verifier key is <name>+<hex key id>+<base64 key>');
  const [name, idHex, keyB64] = parts;
  if (!validKeyName(name)) throw new NoteError('the key name is empty or holds a space, + or control character');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError('the key id must be 8 lowercase hex digits');
  const key = strictBase64(keyB64, 'the key');
  const alg = key[0];
  if (alg !== ALG_ED25519 && alg !== ALG_COSIGNATURE_V1)
    throw new NoteError(`key type 0x${(alg ?? 0).toString(16)} is not Ed25519 (0x01) or cosignature/v1 (0x04)`);
  if (key.length !== 33) throw new NoteError('an Ed25519 public key is 32 bytes');
  const publicKey = key.subarray(1);
  const id = keyId(name, alg, publicKey);
  if (hex8(id) !== idHex) throw new NoteError(`the key id ${idHex} does not match the name and key (${hex8(id)})`);
  return { name, alg, id, publicKey: Buffer.from(publicKey) };
}

/** Parses Go's signer key string; `alg` picks what the key signs as (log note or cosignature). */
export function parseSignerKey(text: string, alg: NoteAlgorithm = ALG_ED25519): Signer {
  const trimmed = text.trim();
  const parts = trimmed.startsWith('PRIVATE+KEY+') ? splitKey(trimmed.slice('PRIVATE+KEY+'.length)) : null;
  if (!parts) throw new NoteError('a signer key is PRIVATE+KEY+<name>+<hex key id>+<base64 key>');
  const [name, idHex, keyB64] = parts;
  if (!validKeyName(name)) throw new NoteError('the key name is empty or holds a space, + or control character');
  const key = strictBase64(keyB64, 'the key');
  if (key.length !== 33 || key[0] !== ALG_ED25519) throw new NoteError('the signer key is not an Ed25519 seed');
  const seed = Buffer.from(key.subarray(1));
  const publicKey = publicKeyOf(seed);
  if (hex8(keyId(name, ALG_ED25519, publicKey)) !== idHex) throw new NoteError('the key id does not match the key');
  return { name, alg, id: keyId(name, alg, publicKey), publicKey, seed };
}

export function publicKeyOf(seed: Buffer): Buffer {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
}

/** A fresh Ed25519 key named `name`, signing as `alg`. */
export function generateSigner(name: string, alg: NoteAlgorithm = ALG_ED25519): Signer {
  if (!validKeyName(name)) throw new NoteError('the key name is empty or holds a space, + or control character');
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519.length);
  const publicKey = publicKeyOf(seed);
  return { name, alg, id: keyId(name, alg, publicKey), publicKey, seed };
}

/** The same key as a signer of another type (a witness's key signs cosignatures as 0x04). */
export function asAlgorithm<T extends Verifier>(key: T, alg: NoteAlgorithm): T {
  return { ...key, alg, id: keyId(key.name, alg, key.publicKey) };
}

function ed25519Sign(seed: Buffer, message: Buffer): Buffer {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  return sign(null, message, key);
}

function ed25519Verify(publicKey: Buffer, message: Buffer, signature: Buffer): boolean {
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' });
  return verify(null, message, key, signature);
}

/** The exact bytes a cosignature/v1 signs: two header lines, then the note body. */
export function cosignedMessage(text: string, timestamp: bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${text}`, 'utf8');
}

export interface NoteSignature {
  name: string;
  id: number;
  /** The signature bytes after the key ID (for 0x04: 8-byte timestamp || Ed25519 signature). */
  bytes: Buffer;
}

export function checkText(text: string) {
  if (!text.endsWith('\n') || text.length < 2) throw new NoteError('a note body must end with a newline');
  // Control characters other than newline are refused, as signed-note requires.
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) throw new NoteError('the note body holds a control character');
}

/** Signs `text` and returns the signature line (with its trailing newline). */
export function signatureLine(text: string, signer: Signer, timestamp?: bigint): string {
  checkText(text);
  let bytes: Buffer;
  if (signer.alg === ALG_COSIGNATURE_V1) {
    const t = timestamp ?? BigInt(Math.floor(Date.now() / 1000));
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(t);
    bytes = Buffer.concat([ts, ed25519Sign(signer.seed, cosignedMessage(text, t))]);
  } else {
    bytes = ed25519Sign(signer.seed, Buffer.from(text, 'utf8'));
  }
  const id = Buffer.alloc(4);
  id.writeUInt32BE(signer.id);
  return `${DASH} ${signer.name} ${Buffer.concat([id, bytes]).toString('base64')}\n`;
}

/** A note with one signature by `signer`. */
export function signNote(text: string, signer: Signer, timestamp?: bigint): string {
  return `${text}\n${signatureLine(text, signer, timestamp)}`;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

/** Splits a note into its body and signature lines, refusing anything malformed. */
export function parseNote(note: string): ParsedNote {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('malformed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  checkText(text);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    if (!m || !validKeyName(m[1]!)) throw new NoteError(`malformed signature line: ${JSON.stringify(line)}`);
    const raw = strictBase64(m[2]!, 'a signature');
    if (raw.length < 5) throw new NoteError('a signature is too short');
    return { name: m[1]!, id: raw.readUInt32BE(0), bytes: Buffer.from(raw.subarray(4)) };
  });
  return { text, signatures };
}

/** Whether `sig` is a valid signature of `text` by `v` (name, key ID and signature all match). */
export function verifySignature(text: string, sig: NoteSignature, v: Verifier): boolean {
  if (sig.name !== v.name || sig.id !== v.id) return false;
  if (v.alg === ALG_COSIGNATURE_V1) {
    if (sig.bytes.length !== 72) return false;
    const t = sig.bytes.readBigUInt64BE(0);
    if (t > 2n ** 63n - 1n) return false;
    return ed25519Verify(v.publicKey, cosignedMessage(text, t), sig.bytes.subarray(8));
  }
  return sig.bytes.length === 64 && ed25519Verify(v.publicKey, Buffer.from(text, 'utf8'), sig.bytes);
}

/** The timestamp of a cosignature/v1 signature (seconds since the epoch). */
export function cosignatureTime(sig: NoteSignature): bigint {
  if (sig.bytes.length !== 72) throw new NoteError('not a cosignature/v1 signature');
  return sig.bytes.readBigUInt64BE(0);
}

export interface OpenedNote {
  text: string;
  /** Verifiers whose signature is on the note and valid, in the order given. */
  verifiedBy: Verifier[];
  signatures: NoteSignature[];
}

/**
 * Opens a note against known keys. A signature line that names a known key (name and ID) but
 * does not verify is an error (the Go package does the same); unknown keys are ignored.
 */
export function openNote(note: string, verifiers: readonly Verifier[]): OpenedNote {
  const parsed = parseNote(note);
  const verifiedBy: Verifier[] = [];
  for (const v of verifiers) {
    const sigs = parsed.signatures.filter((s) => s.name === v.name && s.id === v.id);
    if (sigs.length === 0) continue;
    if (!sigs.every((s) => verifySignature(parsed.text, s, v)))
      throw new NoteError(`invalid signature for key ${v.name}+${hex8(v.id)}`);
    if (!verifiedBy.some((x) => x.name === v.name && x.id === v.id)) verifiedBy.push(v);
  }
  return { text: parsed.text, verifiedBy, signatures: parsed.signatures };
}

export function keyLabel(v: Pick<Verifier, 'name' | 'id'>): string {
  return `${v.name}+${hex8(v.id)}`;
}
