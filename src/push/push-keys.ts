// A device's push subscription key must be a real P-256 point (PROTOCOL.md §9.1): FxA tries it
// in an ECDH agreement and refuses the registration (errno 107) when that fails, so a bad key
// is caught at registration rather than on every notification later.

import { createECDH } from 'node:crypto';

/** True when `publicKey` (base64url) is a point on P-256 that ECDH accepts. */
export function isValidPushPublicKey(publicKey: string): boolean {
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.computeSecret(Buffer.from(publicKey, 'base64url'));
    return true;
  } catch {
    return false;
  }
}
