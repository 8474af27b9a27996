import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { DomainError } from '../errors.js';

// Standard Webhooks verification of the fleet's deliveries. Pure: no database, no Hono.
// The library does the HMAC, the 5-minute tolerance and the constant-time comparison;
// this file adds what it leaves open: several secrets (rotation), strict header shapes,
// and a body that must be UTF-8 so that the signed string is exactly the received bytes.

export const WEBHOOK_TOLERANCE_S = 300;
const ID_PATTERN = /^[\x21-\x7e]{1,256}$/;
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
const SIGNATURES_MAX = 16;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface VerifiedDelivery {
  id: string;
  timestamp: number;
  body: string;
}

export interface FleetVerifier {
  verify(raw: Uint8Array, headers: { id?: string; timestamp?: string; signature?: string }): VerifiedDelivery;
}

function refuse(detail: string): never {
  throw new DomainError('unauthorized', detail);
}

/** A verifier for the configured `whsec_` secrets; any one of them may have signed. */
export function createFleetVerifier(secrets: readonly string[]): FleetVerifier {
  const webhooks = secrets.map((secret) => new Webhook(secret));
  return {
    verify(raw, headers) {
      if (webhooks.length === 0) refuse('the fleet webhook is not configured (FLEET_WEBHOOK_SECRETS is empty)');
      const { id, timestamp, signature } = headers;
      if (!id || !timestamp || !signature)
        refuse('webhook-id, webhook-timestamp and webhook-signature headers are required');
      if (!ID_PATTERN.test(id)) refuse('webhook-id must be 1-256 printable ASCII characters');
      if (!TIMESTAMP_PATTERN.test(timestamp)) refuse('webhook-timestamp must be unix seconds');
      if (signature.split(' ').length > SIGNATURES_MAX)
        refuse(`webhook-signature carries more than ${SIGNATURES_MAX} signatures`);
      let body: string;
      try {
        body = utf8.decode(raw);
      } catch {
        refuse('the signature does not match the body');
      }
      const skew = Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp));
      if (skew > WEBHOOK_TOLERANCE_S)
        refuse(`webhook-timestamp is ${skew} s away from now; at most ${WEBHOOK_TOLERANCE_S} s is accepted`);
      const wire = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
      for (const webhook of webhooks) {
        try {
          webhook.verify(body, wire, { jsonParse: false });
          return { id, timestamp: Number(timestamp), body };
        } catch (error) {
          if (!(error instanceof WebhookVerificationError)) throw error;
        }
      }
      return refuse('no signature matches the body under any configured secret');
    },
  };
}

/** Signs a body as a Standard Webhooks sender would (used by the CLI and tests). */
export function signDelivery(secret: string, id: string, timestampS: number, body: string): string {
  return new Webhook(secret).sign(id, new Date(timestampS * 1000), body);
}
