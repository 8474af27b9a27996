import type { Executor } from '../../db/client.js';
import { raiseAlertOnce } from './service.js';

// Refused webhook signatures, counted in this process over a sliding window: `threshold` of them
// within `windowS` raise webhook.signature_failures (one open alert until acknowledged). A run of
// 401s means a rotated secret nobody told the fleet about, or someone probing the webhook.

export interface SignatureWatchOptions {
  threshold: number;
  windowS: number;
}

export class SignatureWatch {
  private failures: number[] = [];
  private lastReason = '';

  constructor(private readonly options: SignatureWatchOptions) {}

  /** Records one refusal; raises the alert when the window holds `threshold` of them. */
  async record(db: Executor, reason: string, now = Date.now()): Promise<string | null> {
    const { threshold, windowS } = this.options;
    if (threshold <= 0) return null;
    this.failures.push(now);
    this.lastReason = reason;
    const from = now - windowS * 1000;
    while (this.failures.length > 0 && this.failures[0]! < from) this.failures.shift();
    if (this.failures.length > threshold) this.failures.splice(0, this.failures.length - threshold);
    if (this.failures.length < threshold) return null;
    const first = new Date(this.failures[0]!);
    const { alert, raised } = await raiseAlertOnce(db, {
      kind: 'webhook.signature_failures',
      message: `${this.failures.length} webhook deliveries refused for their signature within ${windowS} s; the last: ${this.lastReason}`,
      details: {
        failures: this.failures.length,
        window_seconds: windowS,
        first_at: first.toISOString(),
        last_at: new Date(now).toISOString(),
        last_reason: this.lastReason,
      },
      source: 'webhook:fleet',
    });
    return raised ? alert.id : null;
  }
}
