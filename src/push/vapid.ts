// VAPID (RFC 8292): the key pair that identifies this server to push services. Generated on
// first start into `serverSecrets` (every instance shares it), or supplied by
// PUSH_VAPID_PRIVATE_KEY. Only the 32-byte private scalar is stored; the public key is derived.

import type { Db } from '../db/index.js';
import { serverSecret } from '../db/secrets.js';
import type { RandomSource } from '../runtime.js';
import { isValidScalar, vapidPublicKey } from './vapid-key.js';

/** The form web-push takes: base64url, the public key as an uncompressed P-256 point. */
export interface VapidDetails {
  subject: string;
  publicKey: string;
  privateKey: string;
}

const SECRET_NAME = 'pushVapidPrivateKey';

/**
 * The JWT's `sub`: a contact for the push service's operator, which web-push (and RFC 8292)
 * wants as an https: or mailto: URI. PUBLIC_URL when it is https; otherwise (a loopback or
 * plain-http deployment) the MAIL_FROM address as a mailto: URI.
 */
export function vapidSubject(publicUrl: string, mailFrom: string): string {
  if (publicUrl.startsWith('https://')) return publicUrl;
  const address = /<([^<>\s]+@[^<>\s]+)>/.exec(mailFrom)?.[1] ?? mailFrom.trim();
  return `mailto:${address}`;
}

/** The configured key, else the shared generated one (created by whichever instance starts first). */
export async function loadVapidDetails(
  db: Db,
  options: { configured: Buffer | undefined; publicUrl: string; mailFrom: string; random: RandomSource },
): Promise<VapidDetails> {
  // Almost every 32 random bytes are a valid scalar (below the group order, not zero); draw again otherwise.
  const scalar = (size: number): Buffer => {
    for (;;) {
      const candidate = options.random(size);
      if (isValidScalar(candidate)) return candidate;
    }
  };
  const privateKey = options.configured ?? (await serverSecret(db, SECRET_NAME, 32, scalar));
  return {
    subject: vapidSubject(options.publicUrl, options.mailFrom),
    publicKey: vapidPublicKey(privateKey).toString('base64url'),
    privateKey: privateKey.toString('base64url'),
  };
}
