import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliveryOfLine, runFleetSend } from '../../../src/cli/commands/fleet.js';
import { TEST_SECRET } from '../../support/webhook.js';

describe('reserve fleet send: reading the file', () => {
  it('derives a stable webhook-id from the line, or takes the given one out of the body', () => {
    const a = deliveryOfLine(
      '{"type":"block.connected","timestamp":"2026-01-01T00:00:00Z","data":{"height":1,"hash":"aa"}}',
      1,
    );
    const b = deliveryOfLine(
      '{"type":"block.connected","timestamp":"2026-01-01T00:00:00Z","data":{"height":1,"hash":"aa"}}',
      9,
    );
    expect('id' in a && 'id' in b && a.id === b.id && a.id.startsWith('fleet_')).toBe(true);
    const named = deliveryOfLine('{"id":"msg_1","type":"x","timestamp":"t","data":{}}', 2);
    expect(named).toEqual({ number: 2, id: 'msg_1', body: '{"type":"x","timestamp":"t","data":{}}', chain: false });
    // Block events are sent alone, in file order (a header after its parent).
    expect(a).toMatchObject({ chain: true });
    expect(deliveryOfLine('{"type": ', 3)).toEqual({ number: 3, error: 'not valid JSON' });
    expect(deliveryOfLine('[1]', 4)).toEqual({ number: 4, error: 'not a JSON object' });
    expect(deliveryOfLine('{"id":"has space"}', 5)).toMatchObject({ error: expect.stringMatching(/printable ASCII/) });
  });

  it('sends nothing when any line is unreadable, naming file and line', async () => {
    const file = join(tmpdir(), `fleet-send-${process.pid}.jsonl`);
    writeFileSync(file, '{"type":"block.connected","timestamp":"2026-01-01T00:00:00Z","data":{}}\n\n{"type": \n');
    const out: string[] = [];
    // The URL is never contacted: reading fails first.
    const code = await runFleetSend(
      file,
      { url: 'http://127.0.0.1:9/v1/webhooks/fleet', secret: TEST_SECRET, concurrency: 1, retries: 0, progress: false },
      { env: {}, out: (l) => out.push(l) },
    );
    expect(code).toBe(1);
    expect(out).toEqual([`${file}:3: not valid JSON`, '1 unreadable line(s); nothing was sent']);
  });
});
