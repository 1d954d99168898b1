// Unblock codes (docs/protocol.md §6.1): an 8-character code mailed to the account that lets
// a sign-in through a rate limit, and confirms that sign-in. Only a hash is stored,
// in the ephemeral store, for one hour; a code works once.

import { hashUnblockCode, unblockCode } from '../../crypto/index.js';
import type { EphemeralStore } from '../../kv/index.js';
import type { Clock, RandomSource } from '../../runtime.js';

export const UNBLOCK_CODE_LIFETIME_MS = 3600 * 1000;

export class UnblockCodes {
  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  private key(uid: Buffer, code: string): string {
    return `unblock:${uid.toString('hex')}:${hashUnblockCode(uid, code).toString('hex')}`;
  }

  async issue(uid: Buffer): Promise<string> {
    const code = unblockCode(this.random);
    await this.store.set(this.key(uid, code), String(this.clock.now()), UNBLOCK_CODE_LIFETIME_MS);
    return code;
  }

  /** Spends the code; false when it is unknown, already used or older than an hour. */
  async consume(uid: Buffer, code: string): Promise<boolean> {
    const issuedAt = await this.store.take(this.key(uid, code));
    return issuedAt !== null && this.clock.now() - Number(issuedAt) <= UNBLOCK_CODE_LIFETIME_MS;
  }
}
