// PKCE (RFC 7636) S256: what the client sends in the authorization request and what the
// server recomputes from the verifier at the token endpoint.

import { createHash } from 'node:crypto';

/** base64url(SHA-256(ASCII verifier)): 43 characters. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
