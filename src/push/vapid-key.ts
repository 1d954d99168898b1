// The VAPID key itself: a P-256 private scalar and the public point derived from it (no I/O,
// so the config parser can check PUSH_VAPID_PRIVATE_KEY).

import { createECDH } from 'node:crypto';

/** The public key of a P-256 private scalar; throws when the bytes are not a valid scalar. */
export function vapidPublicKey(privateKey: Buffer): Buffer {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return ecdh.getPublicKey();
}

export function isValidScalar(bytes: Buffer): boolean {
  try {
    vapidPublicKey(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Parses PUSH_VAPID_PRIVATE_KEY: 32 bytes in base64url (what `npx web-push generate-vapid-keys` prints). */
export function parseVapidPrivateKey(raw: string): Buffer | undefined {
  if (raw === '') return undefined;
  const bytes = /^[A-Za-z0-9_-]{43}=?$/.test(raw) ? Buffer.from(raw, 'base64url') : undefined;
  if (bytes?.length !== 32) throw new Error('expected a 32-byte P-256 private key in base64url (43 characters)');
  if (!isValidScalar(bytes)) throw new Error('not a valid P-256 private key');
  return bytes;
}
