import { describe, expect, it } from 'vitest';
import { type Chunk, readAhead } from '../../../src/exports/stream.js';

// The export pipeline's read-ahead: the source (COPY's stream) is read into a bounded queue while the
// consumer (the response) is still busy, the pieces come out in order, errors after what preceded them.

const tick = () => new Promise((r) => setTimeout(r, 5));

function counted(n: number, size: number, fail?: Error) {
  const state = { produced: 0, finished: false };
  async function* source(): AsyncGenerator<Chunk> {
    try {
      for (let i = 0; i < n; i++) {
        await Promise.resolve();
        state.produced++;
        yield Buffer.alloc(size, i % 256);
      }
      if (fail) throw fail;
    } finally {
      state.finished = true;
    }
  }
  return { state, source: source() };
}

describe('readAhead', () => {
  it('reads the source ahead of the consumer up to its bound, and passes every piece in order', async () => {
    const { state, source } = counted(100, 1000);
    const it = readAhead(source, 10_000);
    const first = await it.next();
    await tick();
    // The consumer took one piece; the source was read on to the bound (10 more), not to its end.
    expect(state.produced).toBeGreaterThanOrEqual(10);
    expect(state.produced).toBeLessThanOrEqual(12);
    const out = [first.value as Buffer];
    for await (const c of { [Symbol.asyncIterator]: () => it }) out.push(c as Buffer);
    expect(out.length).toBe(100);
    expect(out.map((c) => c[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(state.finished).toBe(true);
  });

  it('gives a source error after the pieces read before it', async () => {
    const { source } = counted(5, 10, new Error('copy failed'));
    const out: Chunk[] = [];
    await expect(
      (async () => {
        for await (const c of readAhead(source)) out.push(c);
      })(),
    ).rejects.toThrow('copy failed');
    expect(out.length).toBe(5);
  });

  it('ends the source when the consumer leaves early', async () => {
    const { state, source } = counted(1000, 100);
    for await (const _ of readAhead(source, 1000)) break;
    expect(state.finished).toBe(true);
    expect(state.produced).toBeLessThan(1000);
  });
});
