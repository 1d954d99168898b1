// The account as the rest of the code sees it: booleans rather than 0/1 flags, the
// normalized address beside the typed one. Stores convert at their boundary.

export interface Account {
  uid: Buffer;
  /** The sign-up address with its case kept: the v1 key-stretching salt. */
  email: string;
  normalizedEmail: string;
  emailCode: Buffer;
  emailVerified: boolean;
  verifierVersion: number;
  kA: Buffer;
  wrapWrapKb: Buffer;
  wrapWrapKbVersion2: Buffer | null;
  authSalt: Buffer;
  verifyHash: Buffer;
  verifyHashVersion2: Buffer | null;
  clientSalt: string | null;
  verifierSetAt: number;
  createdAt: number;
  locale: string | null;
  lockedAt: number | null;
  profileChangedAt: number | null;
  keysChangedAt: number | null;
  metricsOptOutAt: number | null;
  disabledAt: number | null;
}

/** One of an account's addresses: the primary or a secondary one. */
export interface EmailAddress {
  normalizedEmail: string;
  email: string;
  uid: Buffer;
  emailCode: Buffer;
  isVerified: boolean;
  isPrimary: boolean;
  verifiedAt: number | null;
  createdAt: number;
}

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
