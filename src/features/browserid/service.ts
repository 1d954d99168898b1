// BrowserID (legacy; older Sync clients): certificates over a client's public key, signed with
// the active OAuth signing key, and the support document that publishes the keys that verify
// them (OAUTH_AND_PAYMENTS.md §11; Mozilla's lib/routes/sign.js, lib/signer.js).

import { AppError } from '../../errors.js';
import { assuranceLevel, authenticationMethods } from '../../protocol/amr.js';
import type { Clock } from '../../runtime.js';
import type { AccountRecord } from '../account/model.js';
import type { PublicSigningJwk } from '../oauth/model.js';
import type { SigningKeys } from '../oauth/signing-keys.js';
import type { SessionToken } from '../session/model.js';

/** A client's key as browserid-crypto serializes it: RSA (`n`, `e`) or DSA (`y`, `p`, `q`, `g`), decimal strings. */
export interface BrowserIdPublicKey {
  algorithm: 'RS' | 'DS';
  n?: string;
  e?: string;
  y?: string;
  p?: string;
  q?: string;
  g?: string;
  version?: string;
}

/** What each algorithm's key must carry; an absent or empty part is errno 108 naming it, as in FxA. */
const KEY_PARTS = { RS: ['n', 'e'], DS: ['y', 'p', 'q', 'g'] } as const;

/** `iat` is backdated this much, so a verifier whose clock is a little behind accepts the cert (FxA). */
const IAT_BACKDATE_MS = 10_000;

/** FxA's BrowserID pages were retired; the support document still names them. */
const NONEXISTENT_PAGE = '/.well-known/browserid/nonexistent.html';

/** A published signing key as BrowserID verifiers read it. */
export type BrowserIdJwk = PublicSigningJwk & { algorithm: 'RS' };

export interface BrowserIdSupportDocument {
  'public-key': { kid: string; 'fxa-createdAt': number; algorithm: 'RS'; n: string; e: string };
  authentication: string;
  provisioning: string;
  keys: BrowserIdJwk[];
}

export interface BrowserIdDeps {
  keys: Pick<SigningKeys, 'sign' | 'jwks'>;
  /** The account behind a session: its profileChangedAt and keysChangedAt are not on the session. */
  accounts: { get(uid: Buffer): Promise<AccountRecord> };
  clock: Clock;
  /** Host (and port) of PUBLIC_URL: the cert's `iss` and the domain of its principal. */
  issuer: string;
}

/** A base64url JWK integer as the decimal string browserid-crypto expects. */
const toDecimal = (base64url: string): string =>
  BigInt(`0x${Buffer.from(base64url, 'base64url').toString('hex') || '0'}`).toString(10);

export class BrowserIdService {
  constructor(private readonly deps: BrowserIdDeps) {}

  /**
   * A compact JWS certifying `publicKey` for the session's account, valid `durationMs`. Times
   * are in milliseconds (BrowserID's convention), except `fxa-lastAuthAt` (seconds, as FxA).
   */
  async signCertificate(session: SessionToken, publicKey: BrowserIdPublicKey, durationMs: number): Promise<string> {
    for (const part of KEY_PARTS[publicKey.algorithm]) {
      if (!publicKey[part]) throw AppError.missingParameter(part);
    }
    const { account } = await this.deps.accounts.get(session.uid);
    const amr = authenticationMethods(session);
    const now = this.deps.clock.now();
    // FxA's claims, in FxA's order; its signer adds `iss` last.
    return this.deps.keys.sign({
      'public-key': publicKey,
      principal: { email: `${session.uid.toString('hex')}@${this.deps.issuer}` },
      iat: now - IAT_BACKDATE_MS,
      exp: now + durationMs,
      'fxa-generation': session.verifierSetAt,
      'fxa-lastAuthAt': Math.floor(session.authAt / 1000),
      'fxa-verifiedEmail': session.email,
      // The session's registered device (FxA also creates a placeholder one for Sync; not here).
      'fxa-deviceId': session.deviceId ? session.deviceId.toString('hex') : null,
      'fxa-tokenVerified': session.verified,
      'fxa-amr': amr,
      'fxa-aal': assuranceLevel(amr),
      // Never changed: the password's time stands in, as FxA's COALESCE(…, verifierSetAt, createdAt)
      // gives (verifierSetAt is never NULL).
      'fxa-profileChangedAt': account.profileChangedAt ?? account.verifierSetAt,
      'fxa-keysChangedAt': account.keysChangedAt ?? account.verifierSetAt,
      iss: this.deps.issuer,
    });
  }

  /** Every published key (active first, then next and retired ones), decorated for BrowserID verifiers. */
  async publicKeys(): Promise<{ keys: BrowserIdJwk[] }> {
    const { keys } = await this.deps.keys.jwks();
    return { keys: keys.map((jwk) => ({ ...jwk, algorithm: 'RS' as const })) };
  }

  /** GET /.well-known/browserid: the active key in BrowserID's own format (decimal n and e), and all keys as JWKs. */
  async supportDocument(): Promise<BrowserIdSupportDocument> {
    const { keys } = await this.publicKeys();
    const active = keys[0];
    if (!active) throw new Error('no OAuth signing key is published');
    return {
      'public-key': {
        kid: active.kid,
        'fxa-createdAt': active['fxa-createdAt'],
        algorithm: 'RS',
        n: toDecimal(active.n),
        e: toDecimal(active.e),
      },
      authentication: NONEXISTENT_PAGE,
      provisioning: NONEXISTENT_PAGE,
      keys,
    };
  }
}
