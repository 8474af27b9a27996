import { z } from 'zod';
import { validationError } from '../http/env.js';
import { DomainError, invalid } from '../errors.js';
import { parseBtcToSat, parseSat } from './amount.js';
import { rfc3339 } from '../http/schemas.js';

// The fleet's event envelope and payloads, parsed after the signature has been checked.
// Pure: no database, no Hono. Every refusal names the field (`data.amount_btc`) and the reason.

export const EVENT_TYPES = [
  'payout.received',
  'block.connected',
  'block.disconnected',
  'production.reported',
  'tx.confirmed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const MAX_HEIGHT = 10_000_000;
const MAX_VOUT = 4_294_967_295;
const MAX_RAW_TX_HEX = 200_000;
/** A payout pays for at most a month of production (a pool's longest settlement period). */
export const MAX_PERIOD_DAYS = 31;

const hash64 = z
  .string({ message: 'must be a string' })
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters')
  .transform((s) => s.toLowerCase());
const height = z
  .number({ message: 'must be an integer' })
  .int('must be an integer')
  .min(0, 'must not be negative')
  .max(MAX_HEIGHT, `must be at most ${MAX_HEIGHT}`);
const name = (max: number) =>
  z
    .string({ message: 'must be a string' })
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      'must be letters, digits, dot, dash or underscore, starting with a letter or digit',
    );

const envelopeSchema = z.object({
  type: z.string({ message: 'must be a string' }),
  timestamp: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }),
  data: z.record(z.string(), z.unknown(), { message: 'must be an object' }),
});

const payoutSchema = z
  .object({
    site_id: name(64),
    pool: name(64).nullable().optional(),
    txid: hash64,
    vout: z
      .number({ message: 'must be an integer' })
      .int('must be an integer')
      .min(0, 'must not be negative')
      .max(MAX_VOUT, `must be at most ${MAX_VOUT}`),
    address: z
      .string({ message: 'must be a string' })
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters'),
    amount_btc: z.string({ message: 'must be a string such as "3.12500000"' }).optional(),
    amount_sat: z.string({ message: 'must be a string of digits such as "312500000"' }).optional(),
    coinbase: z.boolean({ message: 'must be true or false' }),
    block_height: height.optional(),
    block_hash: hash64.optional(),
    raw_tx_hex: z
      .string({ message: 'must be a string' })
      .max(MAX_RAW_TX_HEX, `must be at most ${MAX_RAW_TX_HEX} characters`)
      .regex(/^([0-9a-fA-F]{2})+$/, 'must be an even number of hexadecimal characters')
      .optional(),
    period_start: rfc3339.optional(),
    period_end: rfc3339.optional(),
    tx_index: z
      .number({ message: 'must be an integer' })
      .int('must be an integer')
      .min(0, 'must not be negative')
      .max(2 ** 30, `must be at most ${2 ** 30}`)
      .optional(),
    merkle_branch: z
      .array(hash64, { message: 'must be a list of hashes' })
      .max(30, 'must be at most 30 hashes')
      .optional(),
  })
  .strict();

const headerHex = z
  .string({ message: 'must be a string' })
  .regex(/^[0-9a-fA-F]{160}$/, 'must be the 80-byte block header as 160 hexadecimal characters')
  .transform((s) => s.toLowerCase());
const blockConnectedSchema = z
  .object({
    height,
    hash: hash64,
    prev_hash: hash64.optional(),
    // Required on every network, regtest included: the header tree decides the chain (chain/).
    header_hex: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? 'is required: the 80-byte block header as 160 hexadecimal characters'
            : 'must be a string',
      })
      .pipe(headerHex),
  })
  .strict();
const blockDisconnectedSchema = z.object({ height, hash: hash64 }).strict();

export interface PayoutData {
  siteId: string;
  pool: string | null;
  txid: string;
  vout: number;
  address: string;
  amountSat: bigint;
  coinbase: boolean;
  block: { height: number; hash: string } | null;
  rawTxHex: string | null;
  /** The production period [start, end) the payout pays for, when the fleet names one. */
  period: { start: Date; end: Date } | null;
  /** The merkle proof against the block's header (with raw_tx_hex), when the fleet sends one. */
  proof?: { txIndex: number; merkleBranch: string[] } | null;
}

export interface BlockData {
  height: number;
  hash: string;
  prevHash: string | null;
  /** The 80-byte header (block.connected, where it is required): checked and stored by chain/'s header tree. */
  headerHex?: string | null;
}

export type FleetEvent =
  | { type: 'payout.received'; occurredAt: Date; data: PayoutData }
  | { type: 'block.connected'; occurredAt: Date; data: BlockData }
  | { type: 'block.disconnected'; occurredAt: Date; data: BlockData }
  // The production module validates its own report (recordProduction): its field errors come back as `data.<field>`.
  | { type: 'production.reported'; occurredAt: Date; data: Record<string, unknown> }
  | { type: 'tx.confirmed'; occurredAt: Date; data: TxConfirmedData };

/** tx.confirmed: a confirmed transaction that spends a vault coin (spends/ settles it). */
export interface TxConfirmedData {
  txid: string;
  rawTxHex: string;
  blockHeight: number;
  blockHash: string;
  /** The merkle proof against block_hash's header, as payouts carry it (required where PAYOUT_PROOF is). */
  proof: { txIndex: number; merkleBranch: string[] } | null;
}

const txConfirmedSchema = z
  .object({
    txid: hash64,
    raw_tx_hex: z
      .string({ message: 'must be a string' })
      .regex(/^([0-9a-fA-F]{2})+$/, 'must be hexadecimal bytes')
      .max(MAX_RAW_TX_HEX, `must be at most ${MAX_RAW_TX_HEX} characters`),
    block_height: height,
    block_hash: hash64,
    tx_index: payoutSchema.shape.tx_index,
    merkle_branch: payoutSchema.shape.merkle_branch,
  })
  .strict();

function parseWith<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error, prefix);
  return parsed.data;
}

const fieldError = invalid;

function parsePeriod(start: string | undefined, end: string | undefined, occurredAt: Date): PayoutData['period'] {
  if (start === undefined && end === undefined) return null;
  if (start === undefined || end === undefined)
    throw fieldError(
      start === undefined ? 'data.period_start' : 'data.period_end',
      'period_start and period_end go together',
    );
  const period = { start: new Date(start), end: new Date(end) };
  if (period.end <= period.start) throw fieldError('data.period_end', 'must be after period_start');
  if (period.end.getTime() - period.start.getTime() > MAX_PERIOD_DAYS * 86_400_000)
    throw fieldError('data.period_end', `a period is at most ${MAX_PERIOD_DAYS} days`);
  if (period.end > occurredAt)
    throw fieldError(
      'data.period_end',
      "must not be after the event's timestamp: a payout pays for production that has happened",
    );
  return period;
}

function parsePayout(value: unknown, occurredAt: Date): PayoutData {
  const data = parseWith(payoutSchema, value, 'data');
  if ((data.amount_btc === undefined) === (data.amount_sat === undefined)) {
    throw fieldError('data.amount_btc', 'exactly one of amount_btc and amount_sat is required');
  }
  const amountSat =
    data.amount_btc !== undefined
      ? parseBtcToSat(data.amount_btc, 'data.amount_btc')
      : parseSat(data.amount_sat!, 'data.amount_sat');
  if ((data.block_height === undefined) !== (data.block_hash === undefined)) {
    throw fieldError(
      data.block_height === undefined ? 'data.block_height' : 'data.block_hash',
      'block_height and block_hash go together',
    );
  }
  return {
    siteId: data.site_id,
    pool: data.pool ?? null,
    txid: data.txid,
    vout: data.vout,
    address: data.address,
    amountSat,
    coinbase: data.coinbase,
    block: data.block_height !== undefined ? { height: data.block_height, hash: data.block_hash! } : null,
    rawTxHex: data.raw_tx_hex?.toLowerCase() ?? null,
    period: parsePeriod(data.period_start, data.period_end, occurredAt),
    proof: parseProof(data),
  };
}

function parseProof(data: { tx_index?: number; merkle_branch?: string[]; raw_tx_hex?: string; block_hash?: string }) {
  if (data.tx_index === undefined && data.merkle_branch === undefined) return null;
  if (data.tx_index === undefined) throw fieldError('data.tx_index', 'goes with merkle_branch');
  if (data.merkle_branch === undefined) throw fieldError('data.merkle_branch', 'goes with tx_index');
  if (data.raw_tx_hex === undefined) throw fieldError('data.raw_tx_hex', 'a merkle proof proves this transaction');
  if (data.block_hash === undefined) throw fieldError('data.block_hash', 'a merkle proof is against this block');
  return { txIndex: data.tx_index, merkleBranch: data.merkle_branch };
}

/** Parses a verified body into one typed event, or throws a 400/422 problem naming the field. */
export function parseFleetEvent(body: string): FleetEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new DomainError('malformed_json', 'the request body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw fieldError('body', 'must be a JSON object');
  const envelope = parseWith(envelopeSchema, json, '');
  if (!(EVENT_TYPES as readonly string[]).includes(envelope.type)) {
    throw fieldError('type', `unknown event type "${envelope.type.slice(0, 64)}"; known: ${EVENT_TYPES.join(', ')}`);
  }
  const occurredAt = new Date(envelope.timestamp);
  switch (envelope.type as EventType) {
    case 'payout.received':
      return { type: 'payout.received', occurredAt, data: parsePayout(envelope.data, occurredAt) };
    case 'block.connected': {
      const d = parseWith(blockConnectedSchema, envelope.data, 'data');
      return {
        type: 'block.connected',
        occurredAt,
        data: { height: d.height, hash: d.hash, prevHash: d.prev_hash ?? null, headerHex: d.header_hex },
      };
    }
    case 'block.disconnected': {
      const d = parseWith(blockDisconnectedSchema, envelope.data, 'data');
      return { type: 'block.disconnected', occurredAt, data: { height: d.height, hash: d.hash, prevHash: null } };
    }
    case 'production.reported':
      return { type: 'production.reported', occurredAt, data: envelope.data };
    case 'tx.confirmed': {
      const d = parseWith(txConfirmedSchema, envelope.data, 'data');
      return {
        type: 'tx.confirmed',
        occurredAt,
        data: {
          txid: d.txid,
          rawTxHex: d.raw_tx_hex.toLowerCase(),
          blockHeight: d.block_height,
          blockHash: d.block_hash,
          proof: parseProof(d),
        },
      };
    }
  }
}
