import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  parsePolicyFile,
  type Policy,
  type PolicyIssue,
  PolicyValidationError,
  validatePolicySet,
} from './document.js';

const POLICY_FILE = /\.ya?ml$/i;

/** Reads every *.yaml / *.yml in dir (not recursively) and validates them as one set; never throws. */
export function checkPoliciesDir(dir: string): { policies: Policy[]; issues: PolicyIssue[] } {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory())
      return { policies: [], issues: [{ file: dir, field: '(directory)', reason: 'is not a directory' }] };
    names = readdirSync(dir)
      .filter((n) => POLICY_FILE.test(n))
      .sort();
  } catch (error) {
    return {
      policies: [],
      issues: [
        {
          file: dir,
          field: '(directory)',
          reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        },
      ],
    };
  }
  const policies: Policy[] = [];
  const issues: PolicyIssue[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      issues.push({
        file,
        field: '(file)',
        reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      });
      continue;
    }
    const result = parsePolicyFile(file, source);
    issues.push(...result.issues);
    if (result.policy) policies.push(result.policy);
  }
  issues.push(...validatePolicySet(policies));
  return { policies, issues };
}

/** Loads and validates a policy directory; throws PolicyValidationError naming every file, field and reason. */
export function loadPoliciesDir(dir: string): Policy[] {
  const { policies, issues } = checkPoliciesDir(dir);
  if (issues.length > 0) throw new PolicyValidationError(issues);
  return policies;
}
