import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { formatIssue } from '../../policies/index.js';
import { policyDescriptors } from '../../policies/index.js';
import { checkPoliciesDir } from '../../policies/index.js';
import { type CliIo, processIo } from '../offline.js';
import { formatTable } from './keys.js';

/** Exit code of `policies check` when any policy is invalid: 2, as the server at start-up. */
export const POLICY_CHECK_FAILED = 2;

/** `reserve policies check [DIR]`: validates the policy files without touching any database. */
export function runPoliciesCheck(dir: string, io: CliIo = processIo): number {
  const { policies, issues } = checkPoliciesDir(dir);
  const rows = policies.map((p) => {
    const checksum = policyDescriptors(p).multipath.split('#')[1] ?? '';
    return [p.id, p.network, `${p.threshold}-of-${p.signers.length}`, p.script, p.tier, checksum];
  });
  if (rows.length > 0)
    for (const line of formatTable(['ID', 'NETWORK', 'M-OF-N', 'SCRIPT', 'TIER', 'DESCRIPTOR CHECKSUM'], rows))
      io.out(line);
  if (issues.length > 0) {
    io.out(`${issues.length} problem${issues.length === 1 ? '' : 's'} in ${dir}:`);
    for (const issue of issues) io.out(formatIssue(issue));
    return POLICY_CHECK_FAILED;
  }
  io.out(`${policies.length} polic${policies.length === 1 ? 'y' : 'ies'} in ${dir}: all valid`);
  return 0;
}

export function registerPoliciesCommands(program: Command, io: CliIo = processIo) {
  const policies = program.command('policies').description('custody policy files');
  policies
    .command('check')
    .description(
      'validate the policy files of DIR (default POLICIES_DIR, ./policies) and print id, network, m-of-n, script, tier and descriptor checksum; exits 2 on any error, like a configuration error',
    )
    .argument('[dir]', 'policy directory')
    .action((dir: string | undefined) => {
      const code = runPoliciesCheck(dir ?? loadConfig(io.env).POLICIES_DIR, io);
      if (code !== 0) process.exitCode = code;
    });
}
