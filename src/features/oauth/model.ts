// OAuth signing keys as the rest of the code sees them (docs: README "OAuth signing keys").

import type { JWK } from 'jose';

/** `active` signs; `next` is published ahead of its promotion; `retired` still verifies. */
export type SigningKeyState = 'active' | 'next' | 'retired';

/** One entry of GET /v1/jwks. */
export interface PublicSigningJwk {
  kty: 'RSA';
  alg: 'RS256';
  use: 'sig';
  kid: string;
  'fxa-createdAt': number;
  n: string;
  e: string;
}

export interface SigningKey {
  kid: string;
  state: SigningKeyState;
  publicJwk: PublicSigningJwk;
  /** Absent once retired. */
  privateJwk: JWK | undefined;
  createdAt: number;
  retiredAt: number | undefined;
}

/** The order of GET /v1/jwks: active, next, then retired keys newest first. */
export const STATE_ORDER: Record<SigningKeyState, number> = { active: 0, next: 1, retired: 2 };

/** What verifying an access token (opaque or JWT) tells the resource it protects. */
export interface VerifiedAccessToken {
  uid: Buffer;
  /** The client it was issued to, 16 hex. */
  clientId: string;
  /** Its scope values. */
  scope: string[];
  /** ms */
  createdAt: number;
  /** ms */
  expiresAt: number;
  /** The account's verifierSetAt when it was issued (`fxa-generation`). */
  generation: number;
  profileChangedAt?: number;
}

/** Verifies a bearer access token: OAuthError 108 when unknown or invalid, 115 when expired. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<VerifiedAccessToken>;
}
