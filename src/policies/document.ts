import { z } from 'zod';
import bs58check from 'bs58check';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import { outputScriptOf } from '../bitcoin/address.js';
import { parseExtendedPublicKey } from '../bitcoin/extended-key.js';
import { NETWORK_NAMES, type NetworkName } from '../bitcoin/networks.js';
import { formatPath, parsePath } from '../bitcoin/path.js';
import { AmountError, parseBtcAmount } from '../money/btc.js';

// A custody policy file: parsed, validated and normalised. Pure: no database, no HTTP.
// Every problem is reported as { file, field, reason }, all of them at once.

export const SCRIPT_TYPES = ['p2wsh', 'p2sh-p2wsh'] as const;
export const TIERS = ['cold', 'warm', 'hot'] as const;
export const MAX_SIGNERS = 20;
export const DEFAULT_GAP_LIMIT = 20;
export const MAX_GAP_LIMIT = 1000;
export const MAX_POLICY_FILE_BYTES = 256 * 1024;
export const POLICY_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export interface PolicyIssue {
  file: string;
  field: string;
  reason: string;
  /** 1-based position in the file of the value at fault, when the YAML locates it. */
  line?: number;
  column?: number;
}

export class PolicyValidationError extends Error {
  constructor(readonly issues: PolicyIssue[]) {
    super(`invalid custody ${issues.length === 1 ? 'policy' : 'policies'}:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'PolicyValidationError';
  }
}

/** `  file:line:column: field: reason`, one plain line per problem (the position when known). */
export function formatIssue(issue: PolicyIssue): string {
  const at = issue.line === undefined ? '' : `:${issue.line}:${issue.column ?? 1}`;
  return `  ${issue.file}${at}: ${issue.field}: ${issue.reason}`;
}

/** The YAML position of a field path (`signers[1].xpub` -> that scalar), or of its nearest existing parent. */
function locate(document: Document, lines: LineCounter, field: string): { line: number; column: number } | undefined {
  const path = [...field.matchAll(/[^.[\]]+/g)].map((m) => (/^\d+$/.test(m[0]) ? Number(m[0]) : m[0]));
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? document.contents : document.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return undefined;
}

export interface PolicySigner {
  name: string;
  fingerprint: string;
  /** Normalised to the apostrophe form: m/48'/1'/0'/2'. */
  path: string;
  pathIndexes: number[];
  /** xpub or tpub (SLIP-132 prefixes normalised). */
  xpub: string;
}

export interface PolicySpending {
  approvals: number;
  perTxLimitSat: bigint;
  dailyLimitSat: bigint;
  /** Addresses (as written) and `policy:<id>` references. */
  allowedDestinations: string[];
  delayHours: number;
}

export interface Policy {
  id: string;
  name: string;
  network: NetworkName;
  script: (typeof SCRIPT_TYPES)[number];
  threshold: number;
  signers: PolicySigner[];
  tier: (typeof TIERS)[number];
  spending: PolicySpending;
  gapLimit: number;
  /** `addresses`: the console's public page may list this vault's addresses (default `none`). */
  disclose: 'none' | 'addresses';
  /** The file it came from, for messages; not part of its content. */
  file: string;
}

// The YAML is read with the failsafe schema, so every scalar is a string: numbers and amounts
// are parsed here exactly as written, never through a float.
const text = (max: number) =>
  z
    .string({ message: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);
const integer = (min: number, max: number) =>
  z
    .string({ message: 'must be a whole number' })
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const btc = z.string({ message: 'must be a BTC amount such as "10.5"' }).transform((value, ctx) => {
  try {
    return parseBtcAmount(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof AmountError ? error.message : 'must be a BTC amount' });
    return z.NEVER;
  }
});

const SignerSchema = z
  .object({
    name: text(100),
    fingerprint: z
      .string({ message: 'must be 8 hex characters' })
      .regex(/^[0-9a-fA-F]{8}$/, 'must be 8 hex characters (the master key fingerprint)'),
    path: z.string({ message: "must be a derivation path such as m/48'/0'/0'/2'" }),
    xpub: z.string({ message: 'must be an extended public key' }),
  })
  .strict();

const FileSchema = z
  .object({
    id: z
      .string({ message: 'is required' })
      .regex(POLICY_ID_PATTERN, 'must be a slug: lowercase letters, digits and dashes, 1-64 characters'),
    name: text(200),
    network: z.enum(NETWORK_NAMES, { message: `must be one of ${NETWORK_NAMES.join(', ')}` }),
    script: z.enum(SCRIPT_TYPES, { message: `must be one of ${SCRIPT_TYPES.join(', ')}` }),
    threshold: integer(1, MAX_SIGNERS),
    signers: z
      .array(SignerSchema, { message: 'must be a list of signers' })
      .min(1, 'must list at least one signer')
      .max(MAX_SIGNERS, `must list at most ${MAX_SIGNERS} signers`),
    tier: z.enum(TIERS, { message: `must be one of ${TIERS.join(', ')}` }),
    spending: z
      .object({
        approvals: integer(1, 100),
        per_tx_limit_btc: btc,
        daily_limit_btc: btc,
        allowed_destinations: z
          .array(z.string({ message: 'must be an address or policy:<id>' }).max(100, 'is too long'))
          .max(1000, 'lists too many destinations')
          .default([]),
        delay_hours: integer(0, 8760).default(0),
      })
      .strict(),
    gap_limit: integer(1, MAX_GAP_LIMIT).default(DEFAULT_GAP_LIMIT),
    disclose: z.enum(['none', 'addresses'], { message: 'must be none or addresses' }).default('none'),
  })
  .strict();

/** `signers[0].xpub`, the form every message uses. */
function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(document)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

/** Parses and validates one policy file's text. Cross-file checks are in validatePolicySet. */
export function parsePolicyFile(file: string, source: string): { policy?: Policy; issues: PolicyIssue[] } {
  const issue = (field: string, reason: string): PolicyIssue => ({ file, field, reason });
  if (Buffer.byteLength(source) > MAX_POLICY_FILE_BYTES)
    return { issues: [issue('(file)', `is larger than ${MAX_POLICY_FILE_BYTES} bytes`)] };
  const lines = new LineCounter();
  const document = parseDocument(source, {
    schema: 'failsafe',
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter: lines,
  });
  if (document.errors.length > 0) {
    return {
      issues: document.errors.map((e) => {
        const position = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
        return { ...issue('(yaml)', e.message.split('\n')[0]!), line: position.line, column: position.col };
      }),
    };
  }
  const located = parseValidated(file, document);
  return {
    ...located,
    issues: located.issues.map((i) => ({ ...i, ...locate(document, lines, i.field === '(document)' ? '' : i.field) })),
  };
}

function parseValidated(file: string, document: Document): { policy?: Policy; issues: PolicyIssue[] } {
  const issue = (field: string, reason: string): PolicyIssue => ({ file, field, reason });
  const parsed = FileSchema.safeParse(document.toJS());
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) =>
      issue(fieldPath(i.path), i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.join(', ')}` : i.message),
    );
    return { issues: [...issues, ...signerIssuesOfInvalid(document.toJS(), issue)] };
  }
  const raw = parsed.data;
  const issues: PolicyIssue[] = [];
  if (raw.threshold > raw.signers.length)
    issues.push(
      issue(
        'threshold',
        `is ${raw.threshold} but there are only ${raw.signers.length} signers (need 1 <= threshold <= signers)`,
      ),
    );

  const checked = checkSigners(
    raw.signers.map((signer, i) => ({ signer, i })),
    raw.network,
    raw.script,
    issue,
  );
  issues.push(...checked.issues);
  const signers = checked.signers;

  const spending = raw.spending;
  if (spending.per_tx_limit_btc > spending.daily_limit_btc)
    issues.push(issue('spending.per_tx_limit_btc', 'is larger than spending.daily_limit_btc'));
  spending.allowed_destinations.forEach((destination, i) => {
    if (destination.startsWith('policy:')) {
      if (!POLICY_ID_PATTERN.test(destination.slice(7)))
        issues.push(
          issue(`spending.allowed_destinations[${i}]`, `"${destination}" is not policy:<id> with a valid id`),
        );
    } else if (!outputScriptOf(destination, raw.network)) {
      issues.push(
        issue(
          `spending.allowed_destinations[${i}]`,
          `"${destination}" is not a valid ${raw.network} address nor policy:<id>`,
        ),
      );
    }
  });
  if (issues.length > 0) return { issues };
  return {
    issues,
    policy: {
      id: raw.id,
      name: raw.name,
      network: raw.network,
      script: raw.script,
      threshold: raw.threshold,
      signers,
      tier: raw.tier,
      spending: {
        approvals: spending.approvals,
        perTxLimitSat: spending.per_tx_limit_btc,
        dailyLimitSat: spending.daily_limit_btc,
        allowedDestinations: spending.allowed_destinations,
        delayHours: spending.delay_hours,
      },
      gapLimit: raw.gap_limit,
      disclose: raw.disclose,
      file,
    },
  };
}

/** Checks across files: unique ids, and destination policies that exist on the same network. */
export function validatePolicySet(policies: readonly Policy[]): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const byId = new Map<string, Policy>();
  for (const policy of policies) {
    const other = byId.get(policy.id);
    if (other)
      issues.push({
        file: policy.file,
        field: 'id',
        reason: `"${policy.id}" is already the id of ${other.file}; policy ids must be unique`,
      });
    else byId.set(policy.id, policy);
  }
  issues.push(...sameKeySetIssues([...byId.values()])); // a repeated id is already refused above
  for (const policy of policies) {
    policy.spending.allowedDestinations.forEach((destination, i) => {
      if (!destination.startsWith('policy:')) return;
      const target = byId.get(destination.slice(7));
      const field = `spending.allowed_destinations[${i}]`;
      if (!target) issues.push({ file: policy.file, field, reason: `"${destination}" names no known policy` });
      else if (target.network !== policy.network)
        issues.push({
          file: policy.file,
          field,
          reason: `"${destination}" is on ${target.network}, this policy is on ${policy.network}`,
        });
    });
  }
  return issues;
}

type SignerInput = z.infer<typeof SignerSchema>;

/** Checks each signer's key and path; also run on the signers that parse when the file has other errors, so one run shows them all. */
function checkSigners(
  entries: { signer: SignerInput; i: number }[],
  network: NetworkName,
  script: (typeof SCRIPT_TYPES)[number],
  issue: (field: string, reason: string) => PolicyIssue,
): { signers: PolicySigner[]; issues: PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const signers: PolicySigner[] = [];
  const seenKeys = new Map<string, number>();
  for (const { signer, i } of entries) {
    const at = `signers[${i}]`;
    const path = parsePath(signer.path);
    if ('error' in path) issues.push(issue(`${at}.path`, path.error));
    const key = parseExtendedPublicKey(signer.xpub, network, script);
    if ('error' in key) {
      issues.push(issue(`${at}.xpub`, key.error));
      continue;
    }
    const fingerprint = signer.fingerprint.toLowerCase();
    const point = Buffer.from(key.key.publicKey).toString('hex');
    const earlier = seenKeys.get(point);
    if (earlier !== undefined)
      issues.push(issue(`${at}.xpub`, `is the same key as signers[${earlier}] (a repeated key weakens the m-of-n)`));
    else seenKeys.set(point, i);
    if ('error' in path) continue;
    const depth = path.indexes.length;
    if (key.key.depth !== depth) {
      issues.push(issue(`${at}.xpub`, `has depth ${key.key.depth} but the path ${signer.path} has ${depth} steps`));
    } else if (depth > 0 && key.key.childNumber !== path.indexes[depth - 1]) {
      issues.push(
        issue(
          `${at}.xpub`,
          `is child ${formatPath([key.key.childNumber]).slice(2)} but the path ends in ${formatPath([path.indexes[depth - 1]!]).slice(2)}`,
        ),
      );
    } else if (depth === 1 && key.key.parentFingerprint.toString(16).padStart(8, '0') !== fingerprint) {
      issues.push(
        issue(
          `${at}.fingerprint`,
          `is ${fingerprint} but the key's parent fingerprint is ${key.key.parentFingerprint.toString(16).padStart(8, '0')}`,
        ),
      );
    } else if (depth === 0 && Buffer.from(key.key.node.fingerprint).toString('hex') !== fingerprint) {
      issues.push(
        issue(
          `${at}.fingerprint`,
          `is ${fingerprint} but the master key's fingerprint is ${Buffer.from(key.key.node.fingerprint).toString('hex')}`,
        ),
      );
    }
    signers.push({
      name: signer.name,
      fingerprint,
      path: formatPath(path.indexes),
      pathIndexes: path.indexes,
      xpub: key.key.normalized,
    });
  }
  return { signers, issues };
}

/** The key checks of the signers that parse, in a file whose other fields do not: so one run lists every problem. */
function signerIssuesOfInvalid(raw: unknown, issue: (field: string, reason: string) => PolicyIssue): PolicyIssue[] {
  const doc = (raw ?? {}) as Record<string, unknown>;
  const network = NETWORK_NAMES.find((n) => n === doc.network);
  const script = SCRIPT_TYPES.find((t) => t === doc.script);
  if (!network || !script || !Array.isArray(doc.signers)) return [];
  const entries = doc.signers.flatMap((s, i) => {
    const parsed = SignerSchema.safeParse(s);
    return parsed.success ? [{ signer: parsed.data, i }] : [];
  });
  return checkSigners(entries, network, script, issue).issues;
}

/**
 * The curve points, script, threshold and network that make a vault's addresses. Two files with the
 * same set (say one with xpubs, one with the SLIP-132 Zpubs of the same keys) derive the same
 * addresses, so a coin would belong to whichever a look-up found first: refused, naming both.
 */
function keySetIdentity(policy: Policy): string {
  // An extended key is version(4) depth(1) parent(4) child(4) chain code(32) key(33); the point is the last 33.
  const points = policy.signers.map((s) => Buffer.from(bs58check.decode(s.xpub).subarray(45)).toString('hex')).sort();
  return [policy.network, policy.script, policy.threshold, ...points].join(' ');
}

function sameKeySetIssues(policies: readonly Policy[]): PolicyIssue[] {
  const seen = new Map<string, Policy>();
  const issues: PolicyIssue[] = [];
  for (const policy of policies) {
    const identity = keySetIdentity(policy);
    const other = seen.get(identity);
    if (!other) seen.set(identity, policy);
    else
      issues.push({
        file: policy.file,
        field: 'signers',
        reason: `has the same keys, script and threshold as ${other.file} (policy ${other.id}): both would own the same addresses; keep one`,
      });
  }
  return issues;
}
