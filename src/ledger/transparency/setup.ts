// What the log signs with and whom it expects to cosign: the log's Ed25519 key (a Go-style signer
// key file, created on first start with mode 0600), the origin, the witnesses and their quorum.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  ALG_COSIGNATURE_V1,
  asAlgorithm,
  generateSigner,
  keyLabel,
  NoteError,
  parseSignerKey,
  parseVerifierKey,
  type Signer,
  signerKeyString,
  type Verifier,
} from './note.js';

export interface LogSetup {
  signer: Signer;
  origin: string;
  witnesses: Verifier[];
  quorum: number;
  checkpointIntervalS: number;
}

export interface LogSetupConfig {
  REPORTING_ORIGIN?: string;
  LOG_KEY_FILE?: string;
  DATA_DIR?: string;
  WITNESS_KEYS?: string;
  CHECKPOINT_INTERVAL_S?: number;
}

export const LOG_KEY_FILENAME = 'transparency-log.key';

/** `<origin>/ledger`: the checkpoint origin line and the log key's name. */
export const logOrigin = (reportingOrigin = 'reserve.example') => `${reportingOrigin}/ledger`;

/**
 * WITNESS_KEYS: verifier keys separated by commas, optionally followed by `;quorum=K`. Keys of
 * type 0x01 are taken as the same Ed25519 key signing cosignatures (0x04), as Go's tools allow.
 */
export function parseWitnessKeys(text: string | undefined): { witnesses: Verifier[]; quorum: number } {
  if (!text || text.trim() === '') return { witnesses: [], quorum: 0 };
  const [keysPart, ...options] = text.split(';');
  const witnesses = keysPart!
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => {
      try {
        return toCosigner(parseVerifierKey(k));
      } catch (error) {
        throw new NoteError(`WITNESS_KEYS: ${k}: ${(error as Error).message}`);
      }
    });
  const labels = new Set(witnesses.map(keyLabel));
  if (labels.size !== witnesses.length) throw new NoteError('WITNESS_KEYS: a witness key is listed twice');
  let quorum = witnesses.length;
  for (const option of options) {
    const m = /^\s*quorum=([0-9]{1,3})\s*$/.exec(option);
    if (!m) throw new NoteError(`WITNESS_KEYS: unknown option "${option}"; expected quorum=K`);
    quorum = Number(m[1]);
  }
  if (quorum > witnesses.length)
    throw new NoteError(`WITNESS_KEYS: quorum ${quorum} is more than the ${witnesses.length} witness(es) listed`);
  return { witnesses, quorum };
}

/** A witness key given as a plain Ed25519 note key (0x01) signs its cosignatures as 0x04. */
export function toCosigner(v: Verifier): Verifier {
  return v.alg === ALG_COSIGNATURE_V1 ? v : asAlgorithm(v, ALG_COSIGNATURE_V1);
}

/**
 * The log's signer: read from LOG_KEY_FILE, or DATA_DIR/transparency-log.key (created there on
 * first start, mode 0600). Without either (tests), a key that lives as long as the process.
 */
export function loadLogSigner(config: LogSetupConfig): Signer {
  const name = logOrigin(config.REPORTING_ORIGIN);
  const path = config.LOG_KEY_FILE ?? (config.DATA_DIR ? join(config.DATA_DIR, LOG_KEY_FILENAME) : undefined);
  if (!path) return generateSigner(name);
  if (!existsSync(path)) {
    if (config.LOG_KEY_FILE) throw new NoteError(`LOG_KEY_FILE ${path} does not exist`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${signerKeyString(generateSigner(name))}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  }
  if ((statSync(path).mode & 0o077) !== 0) throw new NoteError(`${path} must not be readable by others (chmod 600)`);
  const signer = parseSignerKey(readFileSync(path, 'utf8'));
  if (signer.name !== name)
    throw new NoteError(`the log key in ${path} is named ${signer.name}; the log's origin is ${name}`);
  return signer;
}

export function loadLogSetup(config: LogSetupConfig): LogSetup {
  const { witnesses, quorum } = parseWitnessKeys(config.WITNESS_KEYS);
  return {
    signer: loadLogSigner(config),
    origin: logOrigin(config.REPORTING_ORIGIN),
    witnesses,
    quorum,
    checkpointIntervalS: config.CHECKPOINT_INTERVAL_S ?? 60,
  };
}
