import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegtestChain } from '../support/chain.js';
import { onPostgres } from '../support/db.js';
import { signEvent, TEST_SECRET } from '../support/webhook.js';
import { childEnv, freePort, serverDatabase, startServerProcess, tempDir, type ServerProcess } from './process.js';

// The webhook's body over real HTTP, in both framings: the service reads a body with a Content-Length
// straight from node's request (src/http/body.ts) and a chunked one through the Web Request, and limits both.

const dataDir = tempDir('e2e-webhook');
let database: Awaited<ReturnType<typeof serverDatabase>> | undefined;
let server: ServerProcess;

beforeAll(async () => {
  database = onPostgres ? await serverDatabase() : undefined;
  server = await startServerProcess(
    childEnv({
      DATA_DIR: dataDir.path,
      PORT: String(await freePort()),
      DATABASE_URL: database?.url,
      FLEET_WEBHOOK_SECRETS: TEST_SECRET,
    }),
  );
});
afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await database?.drop();
  dataDir.remove();
});

/** A POST to the webhook, with a Content-Length or (chunked) in two writes without one. */
function post(headers: Record<string, string>, body: string, framing: 'length' | 'chunked') {
  const url = new URL('/v1/webhooks/fleet', server.base);
  return new Promise<{ status: number; body: string; replayed: string | undefined }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers:
          framing === 'length'
            ? { ...headers, 'content-length': String(Buffer.byteLength(body)) }
            : { ...headers, 'transfer-encoding': 'chunked' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            replayed: res.headers['webhook-replayed'] as string | undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    if (framing === 'length') req.end(body);
    else {
      const half = Math.floor(body.length / 2);
      req.write(body.slice(0, half));
      setTimeout(() => req.end(body.slice(half)), 20);
    }
  });
}

const tipHeight = async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const key = readFileSync(join(dataDir.path, 'bootstrap-admin.key'), 'utf8').trim();
  const res = await fetch(`${server.base}/v1/chain/tip`, { headers: { authorization: `Bearer ${key}` } });
  return ((await res.json()) as { height: number | null }).height;
};

describe('the fleet webhook over real HTTP', () => {
  const chain = RegtestChain.fromGenesis();
  const [first, second] = chain.mineMany(2);

  it('applies a signed delivery sent with a Content-Length and one sent chunked, and replays each', async () => {
    for (const [block, framing] of [
      [first!, 'length'],
      [second!, 'chunked'],
    ] as const) {
      const delivery = signEvent(chain.connected(block));
      const applied = await post(delivery.headers, delivery.body, framing);
      expect(applied.status, applied.body).toBe(200);
      expect(applied.replayed).toBeUndefined();
      const again = await post(delivery.headers, delivery.body, framing === 'length' ? 'chunked' : 'length');
      expect(again.status).toBe(200);
      expect(again.replayed).toBe('true');
      expect(again.body).toBe(applied.body);
    }
    expect(await tipHeight()).toBe(2);
  });

  it('refuses a signature over other bytes than the body sent, in both framings, writing nothing', async () => {
    const [third] = chain.mineMany(1);
    const delivery = signEvent(chain.connected(third!));
    for (const framing of ['length', 'chunked'] as const) {
      const res = await post(delivery.headers, `${delivery.body} `, framing);
      expect(res.status).toBe(401);
    }
    expect(await tipHeight()).toBe(2);
  });

  it('refuses a body over 256 KiB with 413 in both framings, writing nothing', async () => {
    const [fourth] = chain.mineMany(1);
    const event = chain.connected(fourth!) as { data: Record<string, unknown> };
    const big = signEvent({ ...event, data: { ...event.data, padding: 'x'.repeat(300 * 1024) } });
    for (const framing of ['length', 'chunked'] as const) {
      const res = await post(big.headers, big.body, framing);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ status: 413, code: 'payload_too_large' });
    }
    expect(await tipHeight()).toBe(2);
  });
});
