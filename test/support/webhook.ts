import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

// Signing deliveries for tests with the standardwebhooks library's own signer (an independent
// Standard Webhooks implementation), so the tests prove interoperability, not self-agreement.

export const TEST_SECRET = `whsec_${Buffer.from('reserve-test-fleet-secret-000001').toString('base64')}`;
export const ROTATED_SECRET = `whsec_${Buffer.from('reserve-test-fleet-secret-000002').toString('base64')}`;

export function newWebhookId(): string {
  return `msg_${randomBytes(12).toString('hex')}`;
}

export interface SignedDelivery {
  id: string;
  timestamp: number;
  body: string;
  headers: Record<string, string>;
}

export function signEvent(
  event: unknown,
  options: { id?: string; secret?: string; timestamp?: number; body?: string } = {},
): SignedDelivery {
  const id = options.id ?? newWebhookId();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const body = options.body ?? JSON.stringify(event);
  const signature = new Webhook(options.secret ?? TEST_SECRET).sign(id, new Date(timestamp * 1000), body);
  return {
    id,
    timestamp,
    body,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
      'content-type': 'application/json',
    },
  };
}

/** Event builders with an explicit event time, so tests control the chain's last-writer order. */
let clock = Date.parse('2026-01-01T00:00:00Z');
export function eventTime(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

export const blockDisconnected = (height: number, hash: string, at = eventTime()) => ({
  type: 'block.disconnected',
  timestamp: at,
  data: { height, hash },
});
export const payoutReceived = (data: Record<string, unknown>, at = eventTime()) => ({
  type: 'payout.received',
  timestamp: at,
  data,
});

/**
 * block.connected of a mined regtest block with its real 80-byte header (the header tree checks
 * it; header_hex is required on every network). test/support/chain.ts's RegtestChain builds the chains.
 */
export const blockConnectedWithHeader = (
  b: { height: number; hash: string; prevHash: string; block: { toBuffer(headersOnly?: boolean): Uint8Array } },
  at = eventTime(),
) => ({
  type: 'block.connected',
  timestamp: at,
  data: {
    height: b.height,
    hash: b.hash,
    prev_hash: b.prevHash,
    header_hex: Buffer.from(b.block.toBuffer(true)).toString('hex'),
  },
});
