// Proof of reserves and the roll-forward name the checkpoint they were made at: the latest signed
// tree head, whose note verifies with the log's key and whose root is the tree's at that size.
// Before any checkpoint both say null. Both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedRoot } from '../../../src/ledger/transparency/index.js';
import { transparencyApp } from './harness.js';

type Harness = Awaited<ReturnType<typeof transparencyApp>>;
let h: Harness;

beforeAll(async () => {
  h = await transparencyApp();
}, 60_000);
afterAll(async () => h?.close());

const PROOF = '/v1/reports/proof-of-reserves';
const ROLL = '/v1/reports/rollforward?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z';

describe('reports name their checkpoint', () => {
  it('say null before the log has signed anything', async () => {
    for (const path of [PROOF, ROLL]) {
      const r = await h.get(path);
      expect(r.status, r.text).toBe(200);
      expect(JSON.parse(r.text).checkpoint).toBeNull();
    }
  });

  it('name the latest checkpoint: its size, its root (the stored tree root) and its signed note', async () => {
    await h.append(5);
    expect((await h.post('/v1/transparency/checkpoints', {})).status).toBe(200);
    await h.append(2);
    expect((await h.post('/v1/transparency/checkpoints', {})).status).toBe(200);
    const note = (await h.get('/v1/transparency/checkpoint')).text;
    for (const path of [PROOF, ROLL]) {
      const { checkpoint } = JSON.parse((await h.get(path)).text);
      expect(checkpoint.tree_size).toBe('7');
      expect(checkpoint.root).toBe((await storedRoot(h.ctx.db, 7)).toString('hex'));
      // The note carries the body (origin, size, base64 root) and the log's signature line.
      expect(checkpoint.note.split('\n')[1]).toBe('7');
      expect(checkpoint.note.split('\n')[2]).toBe(Buffer.from(checkpoint.root, 'hex').toString('base64'));
      expect(note.startsWith(checkpoint.note.slice(0, checkpoint.note.indexOf('\n\n')))).toBe(true);
    }
  });
});
