import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/http/problem.js';
import { createFleetVerifier, signDelivery } from '../../../src/payouts/signature.js';
import { ROTATED_SECRET, TEST_SECRET } from '../../support/webhook.js';

const now = () => Math.floor(Date.now() / 1000);
const enc = (s: string) => new TextEncoder().encode(s);

describe('createFleetVerifier', () => {
  const verifier = createFleetVerifier([TEST_SECRET, ROTATED_SECRET]);

  it('agrees with the library signer byte for byte, under either secret', () => {
    const ts = now();
    for (const secret of [TEST_SECRET, ROTATED_SECRET]) {
      const signature = new Webhook(secret).sign('msg_1', new Date(ts * 1000), '{"a":1}');
      expect(signDelivery(secret, 'msg_1', ts, '{"a":1}')).toBe(signature);
      expect(verifier.verify(enc('{"a":1}'), { id: 'msg_1', timestamp: String(ts), signature })).toEqual({
        id: 'msg_1',
        timestamp: ts,
        body: '{"a":1}',
      });
    }
  });

  it('refuses bodies that are not UTF-8, since no signed string can be those bytes', () => {
    const ts = now();
    const signature = signDelivery(TEST_SECRET, 'msg_2', ts, '\uFFFD');
    expect(() => verifier.verify(new Uint8Array([0xff]), { id: 'msg_2', timestamp: String(ts), signature })).toThrow(
      AppError,
    );
  });

  it('refuses the tolerance edge at 301 s and accepts 300 s', () => {
    const ts = now() - 300;
    const ok = signDelivery(TEST_SECRET, 'msg_3', ts, 'x');
    expect(verifier.verify(enc('x'), { id: 'msg_3', timestamp: String(ts), signature: ok }).id).toBe('msg_3');
    const old = now() - 302;
    expect(() =>
      verifier.verify(enc('x'), {
        id: 'msg_3',
        timestamp: String(old),
        signature: signDelivery(TEST_SECRET, 'msg_3', old, 'x'),
      }),
    ).toThrow(/300 s/);
  });
});
