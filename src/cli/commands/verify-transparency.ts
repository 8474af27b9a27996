// The transparency parts of `reserve verify` (docs/transparency.md), all offline:
//   reserve verify FILE --log-key K [--witness-key W ...] [--quorum Q]   an export's tree vs its checkpoint
//   reserve verify receipt FILE --log-key K ...                          one entry's receipt
//   reserve verify consistency OLD NEW --proof FILE --log-key K ...      two checkpoints
// Exit status as for exports: 0 verified, 1 not verified, 2 a file cannot be read.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { locateManifest } from '../../verify/index.js';
import {
  ExportTreeChecker,
  TransparencyError,
  type TrustPolicy,
  verifyCheckpointConsistency,
  verifyReceipt,
} from '../../verify/index.js';
import { VerifyError } from '../../verify/index.js';

interface TrustOptions {
  logKey?: string;
  witnessKey?: string[];
  quorum?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function policyOf(o: TrustOptions): TrustPolicy {
  if (!o.logKey) throw new TransparencyError('give --log-key: the log verifier key, from GET /v1/transparency/key');
  if (o.quorum !== undefined && !/^[0-9]{1,3}$/.test(o.quorum))
    throw new TransparencyError('--quorum must be a whole number');
  return {
    logKey: o.logKey,
    witnessKeys: o.witnessKey ?? [],
    quorum: o.quorum === undefined ? undefined : Number(o.quorum),
  };
}

/** For `reserve verify FILE`: null without --log-key; else a hook for every entry and a final check. */
export function exportTreeCheck(o: TrustOptions) {
  if (!o.logKey) return null;
  const policy = policyOf(o);
  const checker = new ExportTreeChecker();
  return {
    add: (entry: Parameters<ExportTreeChecker['add']>[0]) => checker.add(entry),
    async finish(file: string) {
      const { manifest } = await locateManifest(file);
      try {
        return checker.finish(manifest.from_seq, manifest.transparency, policy);
      } catch (error) {
        if (error instanceof TransparencyError) throw new VerifyError(0, `transparency: ${error.reason}`);
        throw error;
      }
    },
  };
}

export function transparencyText(t: ReturnType<ExportTreeChecker['finish']> | undefined): string {
  if (!t) return '';
  const cosigned = t.cosigned_by.length > 0 ? t.cosigned_by.join(', ') : 'no witness';
  return `\n  tree:      size ${t.tree_size}, root ${t.root}\n  checkpoint ${t.checkpoint_size}: signed by the log key, consistent with the tree, cosigned by ${cosigned}`;
}

function report(
  o: TrustOptions,
  what: string,
  run: () => Record<string, unknown>,
  text: (r: Record<string, unknown>) => string,
) {
  try {
    const result = run();
    console.log(o.json ? JSON.stringify({ ok: true, ...result }) : text(result));
    process.exitCode = 0;
  } catch (error) {
    if (error instanceof TransparencyError) {
      if (o.json) console.log(JSON.stringify({ ok: false, reason: error.reason }));
      else console.error(`FAILED ${what}: ${error.reason}`);
      process.exitCode = 1;
      return;
    }
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    console.error(`reserve verify: cannot read ${what}: ${reason}`);
    process.exitCode = 2;
  }
}

/** Adds the trust options to `reserve verify` and its receipt and consistency subcommands. */
export function registerTransparencyVerify(verify: Command) {
  verify
    .option(
      '--log-key <vkey>',
      "the log's verifier key: also rebuild the tree (export from seq 1) and check it against the signed checkpoint",
    )
    .option('--witness-key <vkey>', 'a witness verifier key (repeatable)', collect)
    .option('--quorum <k>', 'witness cosignatures required (default: all --witness-key)');
  verify
    .command('receipt')
    .description("check one entry's receipt (GET /v1/ledger/entries/{seq}/receipt) against the published keys")
    .argument('<file>', 'a .tlog-proof file')
    .action(function (this: Command, file: string) {
      const o = this.optsWithGlobals<TrustOptions>();
      report(
        o,
        file,
        () => ({ file, ...verifyReceipt(readFileSync(file, 'utf8'), policyOf(o)) }),
        (r) =>
          `OK ${file}: entry ${r.seq} is leaf ${Number(r.seq) - 1} of the log's tree of ${r.tree_size} (root ${r.root}), cosigned by ${(r.cosigned_by as string[]).join(', ') || 'no witness'}`,
      );
    });
  verify
    .command('consistency')
    .description('check that checkpoint NEW extends checkpoint OLD (both signed notes) with a consistency proof')
    .argument('<old>', 'the older checkpoint note')
    .argument('<new>', 'the newer checkpoint note')
    .option('--proof <file>', 'GET /v1/transparency/proof/consistency?from=<old size>&to=<new size> (JSON)')
    .action(function (this: Command, older: string, newer: string) {
      const o = this.optsWithGlobals<TrustOptions & { proof?: string }>();
      report(
        o,
        `${older} ${newer}`,
        () => {
          const hashes = o.proof ? (JSON.parse(readFileSync(o.proof, 'utf8')) as { hashes: string[] }).hashes : [];
          return verifyCheckpointConsistency(
            readFileSync(older, 'utf8'),
            readFileSync(newer, 'utf8'),
            hashes,
            policyOf(o),
          );
        },
        (r) =>
          `OK: checkpoint ${r.to} extends checkpoint ${r.from}; cosigned by ${(r.cosigned_by as string[]).join(', ') || 'no witness'}`,
      );
    });
}
