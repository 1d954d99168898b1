// Taking an address: at sign-up (as a primary) or as someone's secondary address. An
// address held by someone who never verified it may be taken over: their unverified
// account is deleted, their unverified secondary released. Two requests taking the same
// address at once must not both succeed (the second would silently delete the first's
// brand-new account), so a request holds a claim on the address while it runs.

import type { AppError } from '../../errors.js';
import type { EphemeralStore } from '../../kv/index.js';
import type { EmailAddress } from '../account/model.js';
import type { EmailStore } from './store.js';

/** Long enough for any sign-up (two scrypt runs behind a queue, one mail); a crash frees it after this. */
const CLAIM_TTL_MS = 5 * 60 * 1000;

/** What releasing an address needs of the accounts. */
export interface UnverifiedAccounts {
  /** Deletes the account only while it is unverified; true when it did. */
  deleteIfUnverified(uid: Buffer): Promise<boolean>;
}

export interface AddressClaimDeps {
  kv: EphemeralStore;
  emails: EmailStore;
  accounts: UnverifiedAccounts;
}

export class AddressClaims {
  constructor(private readonly deps: AddressClaimDeps) {}

  /**
   * Runs `work` while this request alone may take `normalizedEmail`; another request taking
   * it meanwhile gets `busy()`. The claim lives in the ephemeral store, shared by instances.
   */
  async exclusively<T>(normalizedEmail: string, busy: () => AppError, work: () => Promise<T>): Promise<T> {
    const key = `address-claim:${normalizedEmail}`;
    if (!(await this.deps.kv.setIfAbsent(key, '1', CLAIM_TTL_MS))) throw busy();
    try {
      return await work();
    } finally {
      await this.deps.kv.delete(key);
    }
  }

  /** Frees an address its holder never verified (call inside the transaction that takes it). */
  async release(holder: EmailAddress): Promise<void> {
    if (holder.isPrimary) await this.deps.accounts.deleteIfUnverified(holder.uid);
    else await this.deps.emails.delete(holder.uid, holder.normalizedEmail);
  }
}
