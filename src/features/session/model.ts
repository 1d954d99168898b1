// Session and key-fetch tokens as routes and services see them.

import type { UserAgentFields } from '../../http/user-agent.js';

/** A session token with the account facts it was looked up with. */
export interface SessionToken {
  id: Buffer;
  uid: Buffer;
  createdAt: number;
  authAt: number;
  lastAccessTime: number;
  /** Set while the session waits for confirmation. */
  tokenVerificationId: Buffer | null;
  verified: boolean;
  mustVerify: boolean;
  verificationMethod: number | null;
  verifiedAt: number | null;
  userAgent: UserAgentFields;
  /** The current primary address. */
  email: string;
  emailVerified: boolean;
  accountCreatedAt: number;
  verifierSetAt: number;
  locale: string | null;
  metricsOptOutAt: number | null;
  /** The device registered with this session, if any (one per session). */
  deviceId: Buffer | null;
}

/** A session as account-wide lists show it (`/account/sessions`, attached clients). */
export interface AccountSession {
  id: Buffer;
  createdAt: number;
  lastAccessTime: number;
  userAgent: UserAgentFields;
  /** The device registered with this session, if any. */
  deviceId: Buffer | null;
}

export interface KeyFetchToken {
  id: Buffer;
  uid: Buffer;
  keyBundle: Buffer;
  emailVerified: boolean;
  /** The session the token came with is confirmed (so the token is). */
  tokenVerified: boolean;
}

/** What authentication finds for a session: the token, and the secret its Hawk key derives from. */
export interface StoredSession {
  tokenData: Buffer;
  session: SessionToken;
}

/** What authentication finds for a key-fetch token. */
export interface StoredKeyFetch {
  authKey: Buffer;
  token: KeyFetchToken;
}
