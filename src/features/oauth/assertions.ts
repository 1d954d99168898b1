// BrowserID assertions for the OAuth server's /v1 routes (`assertion` in the body): a bundle
// `certificate~assertion`. The certificate is one this server signed (POST /certificate/sign)
// over the user's public key, carrying the session's claims; the assertion is signed by the
// user's private key for this server's audience. Both must verify and be unexpired. FxA sends
// them to an external verifier; here they are checked in-process. RSA keys only (`RS`):
// no current client makes DSA keys.

import { createPublicKey } from 'node:crypto';
import { OAUTH_ERRNO, OAuthError } from '../../errors.js';
import type { Clock } from '../../runtime.js';
import type { Authentication } from './grant-model.js';
import type { AssertionVerifier } from './routes.js';
import type { SigningKeys } from './signing-keys.js';

const UID_HEX = /^[0-9a-f]{32}$/;

const invalidAssertion = () => new OAuthError(OAUTH_ERRNO.INVALID_ASSERTION);

/** A BrowserID RSA public key (`{algorithm: 'RS', n, e}`, decimal strings) as a Node key. */
function rsaKey(publicKey: unknown) {
  const { algorithm, n, e } = (publicKey ?? {}) as { algorithm?: unknown; n?: unknown; e?: unknown };
  if (algorithm !== 'RS' || typeof n !== 'string' || typeof e !== 'string' || !/^\d+$/.test(n) || !/^\d+$/.test(e)) {
    throw invalidAssertion();
  }
  const toBase64url = (decimal: string) => {
    const hex = BigInt(decimal).toString(16);
    return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
  };
  return createPublicKey({ key: { kty: 'RSA', n: toBase64url(n), e: toBase64url(e) }, format: 'jwk' });
}

const integer = (value: unknown): number => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalidAssertion();
  return value;
};

export class BrowserIdAssertions implements AssertionVerifier {
  constructor(
    private readonly signingKeys: Pick<SigningKeys, 'verify'>,
    private readonly clock: Clock,
    /** PUBLIC_URL: the issuer host of our certificates and the audience assertions must name. */
    private readonly publicUrl: string,
  ) {}

  async verify(bundle: string): Promise<Authentication> {
    const parts = bundle.split('~');
    if (parts.length !== 2) throw invalidAssertion();
    const [certificate, assertion] = parts as [string, string];
    const issuer = new URL(this.publicUrl).host;
    const now = this.clock.now();

    // BrowserID times are in milliseconds: the library's (seconds) checks are bypassed by
    // verifying at the epoch, and expiry is judged here.
    const cert = await this.signingKeys.verify(certificate, { currentDate: new Date(0) }).catch(() => {
      throw invalidAssertion();
    });
    const claims = cert.payload as Record<string, unknown>;
    if (claims.iss !== issuer || integer(claims.exp) <= now) throw invalidAssertion();
    const email = (claims.principal as { email?: unknown } | undefined)?.email;
    const uid = typeof email === 'string' ? email.split('@')[0] : undefined;
    if (!uid || !UID_HEX.test(uid)) throw invalidAssertion();

    const { compactVerify } = await import('jose');
    const signed = await compactVerify(assertion, rsaKey(claims['public-key']), { algorithms: ['RS256'] }).catch(() => {
      throw invalidAssertion();
    });
    const body = JSON.parse(Buffer.from(signed.payload).toString('utf8')) as { aud?: unknown; exp?: unknown };
    if (integer(body.exp) <= now || !this.isOurAudience(body.aud)) throw invalidAssertion();

    const amr = Array.isArray(claims['fxa-amr']) ? (claims['fxa-amr'] as unknown[]).filter((v) => typeof v === 'string') : [];
    return {
      uid: Buffer.from(uid, 'hex'),
      sessionTokenId: null,
      authAt: integer(claims['fxa-lastAuthAt']) * 1000,
      amr: amr as string[],
      aal: typeof claims['fxa-aal'] === 'number' ? claims['fxa-aal'] : 1,
      emailVerified: claims['fxa-verifiedEmail'] === true,
      tokenVerified: claims['fxa-tokenVerified'] === true,
      generation: integer(claims['fxa-generation']),
      profileChangedAt: typeof claims['fxa-profileChangedAt'] === 'number' ? claims['fxa-profileChangedAt'] : null,
      keysChangedAt: typeof claims['fxa-keysChangedAt'] === 'number' ? claims['fxa-keysChangedAt'] : null,
    };
  }

  /** The audience is this server: PUBLIC_URL's origin, with or without a path. */
  private isOurAudience(audience: unknown): boolean {
    if (typeof audience !== 'string') return false;
    try {
      return new URL(audience).origin === new URL(this.publicUrl).origin;
    } catch {
      return false;
    }
  }
}
