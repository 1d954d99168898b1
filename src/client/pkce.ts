// PKCE (RFC 7636) for public OAuth clients: the verifier stays with the client, the
// authorization request carries its S256 challenge, the token request the verifier.

import { randomBytes } from 'node:crypto';
import { pkceChallenge, type RandomBytes } from '../crypto/index.js';

export { pkceChallenge };

/** A fresh verifier (32 random bytes, base64url: 43 characters, as Firefox makes them) and its challenge. */
export function createPkce(random: RandomBytes = randomBytes): {
  verifier: string;
  challenge: string;
  method: 'S256';
} {
  const verifier = random(32).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier), method: 'S256' };
}
