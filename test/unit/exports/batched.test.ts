import { describe, expect, it } from 'vitest';
import { batched, type Chunk } from '../../../src/exports/stream.js';

// The export pipeline's batching: COPY rows (bytes) and text (a CSV header, a manifest) gathered
// into ~64 KiB pieces, the bytes sent exactly as they came, in order.

async function* from(chunks: Chunk[]) {
  for (const c of chunks) yield c;
}
async function collect(chunks: AsyncIterable<Chunk>): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}
const bytesOf = (chunks: Chunk[]) =>
  Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c))));

describe('batched', () => {
  it('gathers small byte chunks and text between them, in order, into pieces of the target size', async () => {
    const input: Chunk[] = ['seq,id,ü\n'];
    for (let i = 0; i < 1000; i++) input.push(Buffer.from(`${i},ent_${i},"Zürich 😀"\n`));
    input.push('{"manifest":"é"}\n');
    const out = await collect(batched(from(input), 4096));
    expect(bytesOf(out).equals(bytesOf(input))).toBe(true);
    expect(out.length).toBeLessThan(input.length / 50);
    for (const piece of out.slice(0, -1)) expect(piece.length).toBeGreaterThanOrEqual(4096);
    expect(out.every((piece) => typeof piece !== 'string')).toBe(true);
  });

  it('keeps text as text when no bytes came, and passes nothing for an empty body', async () => {
    const out = await collect(batched(from(['a', 'b', 'c']), 2));
    expect(out).toEqual(['ab', 'c']);
    expect(await collect(batched(from([])))).toEqual([]);
  });
});
