// What the OAuth grant flows pass around: who authenticated and how, what they granted to
// which client, and the stored forms of codes and tokens.

import type { OauthAccessTokenRow, OauthCodeRow, OauthRefreshTokenRow } from '../../db/schema.js';

/**
 * The user's authentication behind a grant: a session token's state (the `/oauth/*` twins
 * and `fxa-credentials`), or the claims of an assertion (the `/v1` routes).
 */
export interface Authentication {
  uid: Buffer;
  /** The session it came from, when there is one. */
  sessionTokenId: Buffer | null;
  /** When the user last authenticated (ms). */
  authAt: number;
  amr: string[];
  aal: number;
  emailVerified: boolean;
  /** The session is confirmed (keyed scopes need it). */
  tokenVerified: boolean;
  /** The account's verifierSetAt (`fxa-generation`). */
  generation: number;
  profileChangedAt: number | null;
  keysChangedAt: number | null;
}

/** What was granted: kept with a code, a refresh token, and read back to mint access tokens. */
export interface Grant {
  clientId: Buffer;
  uid: Buffer;
  /** Space-separated scope values. */
  scope: string;
  authAt: number;
  amr: string[];
  aal: number;
  offline: boolean;
  sessionTokenId: Buffer | null;
}

/** Stored forms: the rows, with the code's flag as a boolean (stores convert at their boundary). */
export type CodeRecord = Omit<OauthCodeRow, 'offline'> & { offline: boolean };
export type RefreshTokenRecord = OauthRefreshTokenRow;
export type AccessTokenRecord = OauthAccessTokenRow;

/** The body of a successful `/v1/token` (and `/oauth/token`) response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  scope: string;
  expires_in: number;
  auth_at?: number;
  refresh_token?: string;
  id_token?: string;
  keys_jwe?: string;
  /** `/v1/token` with the `tokens/session` scope: the id of the session the grant came from (FxA). */
  session_token_id?: string;
  /** `/oauth/token` with the `tokens/session` scope: the secret of a new session copied from it. */
  session_token?: string;
}

export const SCOPE = {
  oldsync: 'https://identity.mozilla.com/apps/oldsync',
  sessionToken: 'https://identity.mozilla.com/tokens/session',
  openid: 'openid',
} as const;

/** Lifetimes of OAUTH_AND_PAYMENTS.md §4, §6. */
export const CODE_LIFETIME_MS = 15 * 60 * 1000;
export const ID_TOKEN_LIFETIME_S = 5 * 60;
/** A refresh token's lastUsedAt is written at most this often (authorized-clients shows it). */
export const REFRESH_TOKEN_TOUCH_MS = 10 * 60 * 1000;
