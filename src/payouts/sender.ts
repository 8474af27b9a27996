import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { signDelivery } from './signature.js';

// A Standard Webhooks sender for fleet events: signs each delivery, keeps connections alive,
// and retries what may succeed later (network errors, 5xx, 429) under the same webhook-id, so a
// retry is idempotent on the server. Used by `reserve fleet send`, the storm test and the benchmark.

export interface SenderOptions {
  url: string;
  secret: string;
  /** Sockets kept open to the server. */
  connections?: number;
  /** Attempts after the first. */
  retries?: number;
  timeoutMs?: number;
  /** First backoff; doubles each retry, capped at 5 s. */
  backoffMs?: number;
}

export interface SendResult {
  id: string;
  status: number;
  body: string;
  attempts: number;
  latencyMs: number;
}

export function newDeliveryId(): string {
  return `msg_${randomBytes(12).toString('hex')}`;
}

const RETRYABLE = (status: number) => status >= 500 || status === 429;

export function createFleetSender(options: SenderOptions) {
  const url = new URL(options.url);
  const transport = url.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: options.connections ?? 8 });
  const retries = options.retries ?? 5;
  const timeoutMs = options.timeoutMs ?? 30_000;

  function once(id: string, body: string): Promise<{ status: number; body: string }> {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signDelivery(options.secret, id, timestamp, body),
    };
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { method: 'POST', agent, headers, timeout: timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });
  }

  /** Sends one event (an object, or its exact JSON text) under `id`, retrying what may pass later. */
  async function send(event: unknown, id: string = newDeliveryId()): Promise<SendResult> {
    const body = typeof event === 'string' ? event : JSON.stringify(event);
    const started = performance.now();
    let backoff = options.backoffMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await once(id, body);
        if (!RETRYABLE(answer.status) || attempt > retries)
          return { id, ...answer, attempts: attempt, latencyMs: performance.now() - started };
      } catch (error) {
        if (attempt > retries) throw error;
      }
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  return { send, close: () => agent.destroy() };
}

export type FleetSender = ReturnType<typeof createFleetSender>;
