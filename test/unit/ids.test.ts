import { describe, expect, it } from 'vitest';
import { newId, randomHex } from '../../src/ids.js';

describe('ids from the random pool', () => {
  it('are hex of the asked length and never repeat across pool refills', () => {
    // 2,000 ids of 10 bytes cross the 4 KiB pool's refill about five times.
    const ids = Array.from({ length: 2000 }, () => newId('ent'));
    for (const id of ids) expect(id).toMatch(/^ent_[0-9a-f]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const sizes = [1, 7, 8, 33, 4096, 5000];
    for (const n of sizes) expect(randomHex(n)).toMatch(new RegExp(`^[0-9a-f]{${2 * n}}$`));
  });
});
