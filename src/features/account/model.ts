// The account as the rest of the code sees it: booleans rather than 0/1 flags, the
// normalized address beside the typed one. Stores convert at their boundary.

import type { AccountRow, EmailRow } from '../../db/schema.js';

/** The account row with its flag as a boolean; `email` is the sign-up address with its case kept (the v1 salt). */
export type Account = Omit<AccountRow, 'emailVerified'> & { emailVerified: boolean };

/** One of an account's addresses: the primary or a secondary one. */
export type EmailAddress = Omit<EmailRow, 'isVerified' | 'isPrimary'> & { isVerified: boolean; isPrimary: boolean };

export interface AccountRecord {
  account: Account;
  primary: EmailAddress;
}

export interface AccountByEmail extends AccountRecord {
  /** The address that was looked up: the primary or a secondary one. */
  matched: EmailAddress;
}

/** An account that never set a password (FxA's third-party sign-ups) has verifierSetAt 0. */
export const hasPassword = (account: Pick<Account, 'verifierSetAt'>): boolean => account.verifierSetAt > 0;
