// The account's security history: what happened, when and from which (pseudonymised) IP.
// Sign-in confirmation uses it to let a user skip confirming from a place they
// confirmed from recently (docs/protocol.md §3.2).

import { createHmac } from 'node:crypto';
import type { Clock } from '../../runtime.js';
import type { SecurityEventStore } from './store.js';

export type SecurityEventName =
  | 'account.create'
  | 'account.login'
  | 'account.secondary_email_added'
  | 'account.secondary_email_removed'
  | 'account.primary_secondary_swapped';

/** What a feature tells about an event; the IP is kept only as an HMAC. */
export interface SecurityEventInput {
  uid: Buffer;
  ip: string;
  verified: boolean;
  /** The session the event belongs to, so confirming that session verifies the event. */
  tokenVerificationId?: Buffer | null;
}

/** Events that prove the user stood at this IP and passed a confirmation. */
const CONFIRMED_PRESENCE: readonly SecurityEventName[] = ['account.create', 'account.login'];

export class SecurityEventService {
  constructor(
    private readonly store: SecurityEventStore,
    private readonly ipHmacKey: Buffer,
    private readonly clock: Clock,
  ) {}

  private ipHmac(uid: Buffer, ip: string): Buffer {
    return createHmac('sha256', this.ipHmacKey).update(uid).update(ip).digest();
  }

  async record(name: SecurityEventName, event: SecurityEventInput): Promise<void> {
    await this.store.insert({
      uid: event.uid,
      name,
      verified: event.verified ? 1 : 0,
      ipAddrHmac: this.ipHmac(event.uid, event.ip),
      tokenVerificationId: event.tokenVerificationId ?? null,
      createdAt: this.clock.now(),
    });
  }

  async sessionConfirmed(uid: Buffer, tokenVerificationId: Buffer): Promise<void> {
    await this.store.markVerified(uid, tokenVerificationId);
  }

  /** Whether a confirmed sign-in (or the sign-up) came from `ip` within `withinMs`. */
  async confirmedFromIpRecently(uid: Buffer, ip: string, withinMs: number): Promise<boolean> {
    if (withinMs <= 0) return false;
    const latest = await this.store.latestVerified(uid, CONFIRMED_PRESENCE, this.ipHmac(uid, ip));
    return latest !== undefined && this.clock.now() - latest <= withinMs;
  }
}
