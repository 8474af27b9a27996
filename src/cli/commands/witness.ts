// `reserve witness`: run by a ministry or an auditor on their own machine, with their own
// Ed25519 key. It fetches the log's latest checkpoint and a consistency proof from the size it
// last saw (its state file), verifies both, and posts its C2SP tlog-cosignature back. A
// checkpoint inconsistent with what it saw before is refused loudly, exit status 1, and the
// state is left as it was. Exit 0: cosigned (or nothing new); 1: refused; 2: cannot run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type KeyOptions, readApiKey, withKeyFile } from '../api-key.js';
import {
  ALG_COSIGNATURE_V1,
  checkAgainstState,
  cosign,
  generateSigner,
  nextState,
  parseSignerKey,
  parseVerifierKey,
  readCheckpoint,
  signerKeyString,
  verifierKeyString,
  WitnessRefusal,
  type WitnessState,
} from '../../ledger/index.js';

export const WITNESS_EXIT = { ok: 0, refused: 1, failed: 2 } as const;

export interface WitnessOptions {
  url: string;
  apiKey: string;
  key: string;
  state: string;
  logKey: string;
  /** For tests: the HTTP client (defaults to global fetch). */
  fetch?: typeof fetch;
  now?: Date;
}

export interface WitnessResult {
  outcome: 'cosigned' | 'unchanged';
  size: number;
  previous: number | null;
}

async function call(o: WitnessOptions, path: string, init: RequestInit = {}): Promise<string> {
  const response = await (o.fetch ?? fetch)(new URL(path, o.url).toString(), {
    ...init,
    headers: { authorization: `Bearer ${o.apiKey}`, ...(init.headers as Record<string, string>) },
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status}: ${body.slice(0, 300)}`);
  return body;
}

/** One round: fetch, verify, remember, cosign, post. Throws WitnessRefusal when it must not cosign. */
export async function witnessOnce(o: WitnessOptions): Promise<WitnessResult> {
  const witness = parseSignerKey(readFileSync(o.key, 'utf8'), ALG_COSIGNATURE_V1);
  const log = parseVerifierKey(o.logKey);
  const state = existsSync(o.state) ? (JSON.parse(readFileSync(o.state, 'utf8')) as WitnessState) : null;
  if (state && state.log_key !== verifierKeyString(log))
    throw new WitnessRefusal(`the state file follows the log key ${state.log_key}, not ${verifierKeyString(log)}`);
  const checkpoint = readCheckpoint(await call(o, '/v1/transparency/checkpoint'), log, log.name);
  let proof: Buffer[] | null = null;
  if (state && checkpoint.size > state.size) {
    const answer = JSON.parse(
      await call(o, `/v1/transparency/proof/consistency?from=${state.size}&to=${checkpoint.size}`),
    ) as { hashes: string[] };
    proof = answer.hashes.map((h) => Buffer.from(h, 'hex'));
  }
  try {
    checkAgainstState(state, checkpoint, proof);
  } catch (error) {
    // Tell the reserve: the refusal becomes a transparency.checkpoint_refused alert officers see.
    if (error instanceof WitnessRefusal)
      await call(o, '/v1/transparency/refusals', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          checkpoint_size: String(checkpoint.size),
          witness: witness.name,
          reason: error.reason.slice(0, 2000),
        }),
      }).catch(() => undefined); // the refusal stands (exit 1) whether or not the report got through
    throw error;
  }
  const now = o.now ?? new Date();
  writeFileSync(o.state, `${JSON.stringify(nextState(checkpoint, verifierKeyString(log), now), null, 2)}\n`);
  await call(o, '/v1/transparency/cosignatures', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ note: cosign(checkpoint.text, witness, now) }),
  });
  const previous = state?.size ?? null;
  return { outcome: previous === checkpoint.size ? 'unchanged' : 'cosigned', size: checkpoint.size, previous };
}

type WitnessCommandOptions = KeyOptions & { url: string; key: string; state: string; logKey?: string };

/** One run of `reserve witness`; the exit status (WITNESS_EXIT). */
export async function runWitness(o: WitnessCommandOptions, env: Record<string, string | undefined>): Promise<number> {
  const logKey = o.logKey;
  if (!logKey) {
    console.error("reserve witness: --log-key is required: the log's verifier key (GET /v1/transparency/key)");
    return WITNESS_EXIT.failed;
  }
  let apiKey: string;
  try {
    apiKey = readApiKey(o, env);
  } catch (error) {
    console.error(`reserve witness: ${(error as Error).message}`);
    return WITNESS_EXIT.failed;
  }
  try {
    const r = await witnessOnce({ url: o.url, key: o.key, state: o.state, logKey, apiKey });
    console.log(
      r.outcome === 'cosigned'
        ? `cosigned checkpoint ${r.size}${r.previous === null ? ' (first contact)' : `, consistent with ${r.previous}`}`
        : `checkpoint ${r.size} unchanged; cosigned again`,
    );
    return WITNESS_EXIT.ok;
  } catch (error) {
    if (error instanceof WitnessRefusal) {
      console.error(`REFUSED: ${error.reason}`);
      return WITNESS_EXIT.refused;
    }
    console.error(`reserve witness: ${(error as Error).message}`);
    return WITNESS_EXIT.failed;
  }
}

export function registerWitnessCommands(program: Command) {
  const witness = withKeyFile(
    program
      .command('witness')
      .description("witness the reserve's transparency log: verify its latest checkpoint is consistent, then cosign it")
      .option('--url <url>', "the reserve's base URL", 'http://127.0.0.1:8080'),
    'a file holding an auditor API key',
  )
    .option('--key <file>', "this witness's signer key file (reserve witness keygen)", 'witness.key')
    .option('--state <file>', 'what this witness saw last', 'witness-state.json')
    // Not a requiredOption: commander checks those of a parent for its subcommands too (keygen).
    .option('--log-key <vkey>', "required: the log's verifier key (GET /v1/transparency/key, obtained out of band)")
    .action(async (o: WitnessCommandOptions) => {
      process.exitCode = await runWitness(o, process.env);
    });
  witness
    .command('keygen')
    .description('make a witness key; prints the verifier key to give the reserve (WITNESS_KEYS)')
    .requiredOption('--name <name>', 'the witness name, e.g. witness.finance.gov.example')
    .option('--key <file>', 'where to write the signer key (mode 0600)', 'witness.key')
    .action((_o: unknown, command: Command) => {
      // `witness` has a --key of its own, which commander gives the value of `keygen --key` to:
      // read both levels (the same default).
      const o = command.optsWithGlobals<{ name: string; key: string }>();
      const signer = generateSigner(o.name, ALG_COSIGNATURE_V1);
      writeFileSync(o.key, `${signerKeyString(signer)}\n`, { mode: 0o600, flag: 'wx' });
      console.log(verifierKeyString(signer));
    });
}
