// Minting and checking OAuth tokens (OAUTH_AND_PAYMENTS.md §6): opaque 32-byte access and
// refresh tokens stored under their SHA-256, JWT access tokens (RS256, `typ: at+JWT`) for
// clients configured for them and always for Sync, and OpenID Connect id_tokens.

import { createHash, hkdfSync } from 'node:crypto';
import { OAUTH_ERRNO, OAuthError } from '../../errors.js';
import type { Clock, RandomSource } from '../../runtime.js';
import { hashHex } from './client-settings.js';
import type { OAuthClient } from './clients.js';
import type { GrantStore } from './grant-store.js';
import {
  ID_TOKEN_LIFETIME_S,
  SCOPE,
  type AccessTokenRecord,
  type Grant,
  type RefreshTokenRecord,
  type TokenResponse,
} from './grant-model.js';
import type { AccessTokenVerifier, VerifiedAccessToken } from './model.js';
import { ScopeSet } from './scopes.js';
import type { SigningKeys } from './signing-keys.js';

export const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();

const TOKEN_HEX = /^[0-9a-fA-F]{64}$/;
/** An opaque code or token: 32 bytes as 64 hex digits. */
export const isTokenHex = (value: string): boolean => TOKEN_HEX.test(value);
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** base64url(SHA-256(ASCII access_token)[0:16]) (OIDC core §3.1.3.6). */
export const atHash = (accessToken: string): string =>
  sha256(Buffer.from(accessToken, 'ascii')).subarray(0, 16).toString('base64url');

/** What the minting needs to know about the account at that moment. */
export interface AccountFacts {
  /** verifierSetAt. */
  generation: number;
  profileChangedAt: number | null;
}

export interface TokenSettings {
  /** `iss` of every JWT: PUBLIC_URL. */
  issuer: string;
  /** Default and maximum access-token lifetime, seconds. */
  accessTokenLifetimeS: number;
  /** Clients that see a pairwise `sub` (16 hex ids), and its salt. */
  ppidClients: ReadonlySet<string>;
  ppidSalt: string;
}

/**
 * FxA's pairwise pseudonymous identifier: the same user gets unrelated `sub`s at different
 * clients (OAUTH_AND_PAYMENTS.md §6). `seed` lets a client ask for a new one; no time rotation.
 */
export function pairwiseSubject(clientIdHex: string, uidHex: string, seed: number, salt: string): string {
  const ikm = `${clientIdHex}.${uidHex}.${seed}.0`;
  return Buffer.from(hkdfSync('sha256', ikm, salt, 'identity.mozilla.com/picl/v1/oidc ppid sub', 16)).toString('hex');
}

export interface TokenDeps {
  store: GrantStore;
  signingKeys: Pick<SigningKeys, 'sign' | 'verifySignature'>;
  accountFacts(uid: Buffer): Promise<AccountFacts | undefined>;
  clock: Clock;
  random: RandomSource;
  settings: TokenSettings;
}

export interface MintOptions {
  /** Requested lifetime in seconds, clamped to the configured maximum. */
  ttlS?: number;
  resource?: string;
  /** Returned once, from the code that carried it. */
  keysJwe?: string | null;
  /**
   * `new`: a fresh refresh token (offline grant); `{ familyId }`: a rotation within that family;
   * `none`: no refresh token.
   */
  refreshToken: 'new' | { familyId: Buffer } | 'none';
  /** The family of the refresh token this access token is minted from. */
  fromFamily?: Buffer;
  /** `ppid_seed`: varies a pairwise `sub`. */
  ppidSeed?: number;
}

/** How many checked JWTs are remembered (a few MiB at most). */
const CHECKED_JWT_CACHE_SIZE = 4096;

export class TokenService implements AccessTokenVerifier {
  /** JWT → jti, for JWTs whose signature has been checked. */
  private readonly checkedJwts = new Map<string, string>();

  constructor(private readonly deps: TokenDeps) {}

  /** Access token (+ refresh token, id_token) for `grant`; call inside a transaction. */
  async mint(grant: Grant, client: OAuthClient, options: MintOptions): Promise<TokenResponse> {
    const { clock, random, store, settings } = this.deps;
    const facts = await this.deps.accountFacts(grant.uid);
    if (!facts) throw new OAuthError(OAUTH_ERRNO.INVALID_TOKEN);
    const now = clock.now();
    const scope = ScopeSet.fromString(grant.scope);
    const ttlS = Math.min(options.ttlS ?? settings.accessTokenLifetimeS, settings.accessTokenLifetimeS);

    let familyId = options.fromFamily ?? null;
    let refreshToken: string | undefined;
    if (options.refreshToken !== 'none') {
      const raw = random(32);
      const hash = sha256(raw);
      familyId = options.refreshToken === 'new' ? hash : options.refreshToken.familyId;
      const record: RefreshTokenRecord = {
        tokenHash: hash,
        clientId: grant.clientId,
        uid: grant.uid,
        scope: grant.scope,
        authAt: grant.authAt,
        amr: grant.amr.join(' '),
        aal: grant.aal,
        familyId,
        rotatedAt: null,
        createdAt: now,
        lastUsedAt: now,
      };
      await store.insertRefreshToken(record);
      refreshToken = raw.toString('hex');
    }

    const raw = random(32);
    const access: AccessTokenRecord = {
      tokenHash: sha256(raw),
      clientId: grant.clientId,
      uid: grant.uid,
      scope: grant.scope,
      familyId,
      generation: facts.generation,
      profileChangedAt: facts.profileChangedAt,
      createdAt: now,
      expiresAt: now + ttlS * 1000,
    };
    await store.insertAccessToken(access);
    const accessToken =
      client.jwtAccessTokens || scope.has(SCOPE.oldsync)
        ? await this.signAccessToken(access, raw, client, options)
        : raw.toString('hex');

    const response: TokenResponse = {
      access_token: accessToken,
      token_type: 'bearer',
      scope: scope.toString(),
      expires_in: ttlS,
      auth_at: Math.floor(grant.authAt / 1000),
    };
    if (refreshToken) response.refresh_token = refreshToken;
    if (scope.has(SCOPE.openid)) response.id_token = await this.signIdToken(grant, client, accessToken, options);
    if (options.keysJwe) response.keys_jwe = options.keysJwe;
    // By exact value, as the grant policy registers it: a broader unregistered value a trusted
    // client may ask for (`…/tokens`) must not bring a session with it.
    if (scope.has(SCOPE.sessionToken) && grant.sessionTokenId) response.session_token_id = grant.sessionTokenId.toString('hex');
    return response;
  }

  private audience(client: OAuthClient, resource: string | undefined): string | string[] {
    return resource ? [client.idHex, resource] : client.idHex;
  }

  /** The uid, or a pairwise identifier for clients configured for one. */
  private subject(client: OAuthClient, uid: Buffer, seed = 0): string {
    const { ppidClients, ppidSalt } = this.deps.settings;
    const uidHex = uid.toString('hex');
    return ppidClients.has(client.idHex) ? pairwiseSubject(client.idHex, uidHex, seed, ppidSalt) : uidHex;
  }

  private signAccessToken(record: AccessTokenRecord, raw: Buffer, client: OAuthClient, options: MintOptions): Promise<string> {
    return this.deps.signingKeys.sign(
      {
        iss: this.deps.settings.issuer,
        aud: this.audience(client, options.resource),
        client_id: client.idHex,
        exp: Math.floor(record.expiresAt / 1000),
        iat: Math.floor(record.createdAt / 1000),
        jti: raw.toString('hex'),
        scope: record.scope,
        sub: this.subject(client, record.uid, options.ppidSeed),
        'fxa-generation': record.generation,
        ...(record.profileChangedAt === null ? {} : { 'fxa-profileChangedAt': record.profileChangedAt }),
      },
      { typ: 'at+JWT' },
    );
  }

  private signIdToken(grant: Grant, client: OAuthClient, accessToken: string, options: MintOptions): Promise<string> {
    const iat = Math.floor(this.deps.clock.now() / 1000);
    return this.deps.signingKeys.sign(
      {
        iss: this.deps.settings.issuer,
        sub: this.subject(client, grant.uid, options.ppidSeed),
        aud: this.audience(client, options.resource),
        iat,
        exp: iat + ID_TOKEN_LIFETIME_S,
        auth_time: Math.floor(grant.authAt / 1000),
        at_hash: atHash(accessToken),
        amr: grant.amr,
        acr: `AAL${grant.aal}`,
        'fxa-aal': grant.aal,
      },
      { typ: 'JWT' },
    );
  }

  /** The stored record behind an access token (opaque or JWT); undefined when unknown or invalid. */
  async findAccessToken(token: string): Promise<AccessTokenRecord | undefined> {
    let hash: Buffer;
    const checkedJti = this.checkedJwts.get(token);
    if (checkedJti !== undefined) hash = hashHex(checkedJti);
    else if (TOKEN_HEX.test(token)) hash = hashHex(token);
    else if (JWT_SHAPE.test(token)) {
      const jti = await this.checkJwt(token);
      if (jti === undefined) return undefined;
      hash = hashHex(jti);
    } else return undefined;
    return this.deps.store.findAccessToken(hash);
  }

  /**
   * The jti of a JWT access token we issued, unaltered: its RS256 signature, `typ` and `iss`.
   * The stored row decides validity and expiry (so revocation applies); an expired JWT is
   * still looked up, so it gets 115 like an expired opaque token. A good answer is
   * remembered: it cannot change for the same bytes, and the signature costs more than the rest.
   */
  private async checkJwt(token: string): Promise<string | undefined> {
    const signed = await this.deps.signingKeys.verifySignature(token);
    const jti = signed?.payload.jti;
    if (signed?.header.typ !== 'at+JWT' || signed.payload.iss !== this.deps.settings.issuer) return undefined;
    if (typeof jti !== 'string' || !TOKEN_HEX.test(jti)) return undefined;
    if (this.checkedJwts.size >= CHECKED_JWT_CACHE_SIZE) this.checkedJwts.clear();
    this.checkedJwts.set(token, jti);
    return jti;
  }

  /** AccessTokenVerifier: 108 when unknown or invalid, 115 when expired. */
  async verify(token: string): Promise<VerifiedAccessToken> {
    const record = await this.findAccessToken(token);
    if (!record) throw new OAuthError(OAUTH_ERRNO.INVALID_TOKEN);
    if (record.expiresAt <= this.deps.clock.now()) throw OAuthError.expiredToken(record.expiresAt);
    return {
      uid: record.uid,
      clientId: record.clientId.toString('hex'),
      // Stored as ScopeSet.toString() when granted: already checked, so split, not parsed again.
      scope: record.scope === '' ? [] : record.scope.split(' '),
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      generation: record.generation,
      ...(record.profileChangedAt === null ? {} : { profileChangedAt: record.profileChangedAt }),
    };
  }
}
