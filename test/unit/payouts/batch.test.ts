import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../src/payouts/batch.js';

describe('GroupCommit', () => {
  it('groups items that arrive while earlier groups run, and answers each item on its own', async () => {
    const groups: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const commit = new GroupCommit<number, string>(
      async (items) => {
        groups.push(items);
        if (groups.length === 1) await gate; // the first group holds while the others queue up
        return items.map((n) => (n % 5 === 0 ? new Error(`refused ${n}`) : `ok ${n}`));
      },
      { maxGroup: 3, maxInFlight: 1 },
    );
    const answers = Array.from({ length: 7 }, (_, n) => commit.submit(n).catch((e: Error) => e.message));
    release();
    expect(await Promise.all(answers)).toEqual(['refused 0', 'ok 1', 'ok 2', 'ok 3', 'ok 4', 'refused 5', 'ok 6']);
    expect(groups).toEqual([[0], [1, 2, 3], [4, 5, 6]]);
  });

  it('with gather, waits for the end of the event-loop turn so items submitted together form one group', async () => {
    const groups: number[][] = [];
    const commit = new GroupCommit<number, number>(
      async (items) => {
        groups.push(items);
        return items;
      },
      { maxGroup: 3, maxInFlight: 1, gather: true },
    );
    const answers = Array.from({ length: 5 }, (_, n) => commit.submit(n));
    expect(groups).toEqual([]); // nothing starts within the turn that submitted
    expect(await Promise.all(answers)).toEqual([0, 1, 2, 3, 4]);
    expect(groups).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
  });

  it('rejects every item of a group whose run throws, and keeps serving later ones', async () => {
    let fail = true;
    const commit = new GroupCommit<number, number>(async (items) => {
      if (fail) throw new Error('database gone');
      return items;
    });
    await expect(commit.submit(1)).rejects.toThrow('database gone');
    fail = false;
    await expect(commit.submit(2)).resolves.toBe(2);
  });
});
