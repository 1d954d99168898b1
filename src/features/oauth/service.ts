// The OAuth grant rules (OAUTH_AND_PAYMENTS.md §4, §5, §7): codes with PKCE, the four
// token grants, refresh-token rotation with reuse detection, revocation, introspection and
// the authorized-clients view. Routes hand it plain values; it never sees HTTP.

import { timingSafeEqual } from 'node:crypto';
import { pkceChallenge } from '../../crypto/index.js';
import type { Db } from '../../db/index.js';
import { OAUTH_ERRNO, OAuthError } from '../../errors.js';
import type { UserAgentFields } from '../../http/user-agent.js';
import type { Clock, RandomSource } from '../../runtime.js';
import { assertEnabled, checkClientSecret, parseClientCredentials, redirectUriFor } from './client-auth.js';
import { BROWSER_CLIENT_IDS, hashHex } from './client-settings.js';
import type { ClientRegistry, OAuthClient } from './clients.js';
import { checkRequestedGrant, keyedScopesOf } from './grant-policy.js';
import type { GrantStore } from './grant-store.js';
import {
  CODE_LIFETIME_MS,
  REFRESH_TOKEN_TOUCH_MS,
  SCOPE,
  type AccessTokenRecord,
  type Authentication,
  type CodeRecord,
  type Grant,
  type RefreshTokenRecord,
  type TokenResponse,
} from './grant-model.js';
import { ScopeError, ScopeSet } from './scopes.js';
import { isTokenHex, sha256, type TokenService } from './tokens.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const REFRESH_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:refresh_token';
export type GrantType = 'authorization_code' | 'refresh_token' | 'fxa-credentials' | typeof TOKEN_EXCHANGE_GRANT;

/** What token exchange may add (FxA: Relay only). */
const TOKEN_EXCHANGE_SCOPES = ScopeSet.fromArray(['https://identity.mozilla.com/apps/relay']);

/** How the client proves who it is: a Basic header or body fields. */
export interface ClientAuthentication {
  authorization?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface AuthorizationRequest {
  clientId: string;
  scope: string;
  state?: string;
  redirectUri?: string;
  responseType?: 'code' | 'token';
  accessType?: 'online' | 'offline';
  codeChallenge?: string;
  codeChallengeMethod?: 'S256';
  keysJwe?: string;
  acrValues?: string | null;
  ttl?: number;
  resource?: string;
}

export interface AuthorizationResult {
  code: string;
  state: string;
  redirect: string;
  scope: string;
}

export interface TokenRequest {
  grantType: GrantType;
  credentials: ClientAuthentication;
  code?: string;
  codeVerifier?: string;
  refreshToken?: string;
  scope?: string;
  ttl?: number;
  resource?: string;
  ppidSeed?: number;
  accessType?: 'online' | 'offline';
  subjectToken?: string;
  subjectTokenType?: string;
  /** fxa-credentials: the user's session or assertion. */
  auth?: Authentication;
  /**
   * `/oauth/token` (FxA §5): a granted `tokens/session` scope yields a new session copied from
   * the grant's (`session_token`, made with this user agent) instead of that session's id.
   */
  newSession?: { userAgent: UserAgentFields };
}

/** An RFC 7662 answer in FxA's shape (ms timestamps, jti = the tokenId in hex). */
export interface Introspection {
  active: boolean;
  scope?: string;
  client_id?: string;
  token_type?: 'access_token' | 'refresh_token';
  iat?: number;
  exp?: number;
  sub?: string;
  jti?: string;
  'fxa-lastUsedAt'?: number;
}

export interface AuthorizedClient {
  client_id: string;
  refresh_token_id?: string;
  client_name: string;
  created_time: number;
  last_access_time: number;
  scope: string[];
}

/** What a relying party needs to derive each keyed scope's key from kB (OAUTH_AND_PAYMENTS.md §9). */
export type ScopedKeyData = Record<string, { identifier: string; keyRotationSecret: string; keyRotationTimestamp: number }>;

/** Keys never rotate independently of kB here, as in FxA: the secret is fixed. */
const KEY_ROTATION_SECRET = '0'.repeat(64);

/** What the grants need of the auth server's sessions (the `tokens/session` scope). */
export interface SessionCopier {
  /** A new session with the state of `sessionTokenId`'s; undefined when that session is gone. */
  duplicateFor(sessionTokenId: Buffer, userAgent: UserAgentFields): Promise<{ tokenData: Buffer } | undefined>;
}

/**
 * What the grants tell the devices feature (FIREFOX.md §3): a device registered with a refresh
 * token follows it when the token is replaced. Revoking a token leaves its device alone.
 */
export interface RefreshTokenHolders {
  /** Runs in the transaction that replaces `previous` with `next` (ids: SHA-256 of the tokens). */
  refreshTokenReplaced(previous: Buffer, next: Buffer): Promise<void>;
}

/** A live refresh token as the routes it authenticates see it (FxA's `refreshToken` auth scheme). */
export interface RefreshTokenGrant {
  /** SHA-256 of the token: its id. */
  tokenId: Buffer;
  uid: Buffer;
  clientId: Buffer;
  /** The client's name; null when the client is no longer registered. */
  clientName: string | null;
  scope: ScopeSet;
}

export interface OAuthDeps {
  db: Db;
  sessions: SessionCopier;
  /** Devices registered with refresh tokens (optional: the OAuth server works without devices). */
  devices?: RefreshTokenHolders;
  store: GrantStore;
  clients: Pick<ClientRegistry, 'find' | 'require'>;
  tokens: TokenService;
  clock: Clock;
  random: RandomSource;
}

/** The verifier's S256 challenge compared in constant time with the stored one (RFC 7636). */
function pkceMatches(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(pkceChallenge(verifier));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

function parseScope(scope: string): ScopeSet {
  try {
    return ScopeSet.fromString(scope);
  } catch (err) {
    if (err instanceof ScopeError) throw OAuthError.invalidParameter(['scope']);
    throw err;
  }
}

const grantOfAuthentication = (auth: Authentication, clientId: Buffer, scope: ScopeSet, offline: boolean): Grant => ({
  clientId,
  uid: auth.uid,
  scope: scope.toString(),
  authAt: auth.authAt,
  amr: auth.amr,
  aal: auth.aal,
  offline,
  sessionTokenId: auth.sessionTokenId,
});

const grantOfStored = (stored: CodeRecord | RefreshTokenRecord, scope = stored.scope): Grant => ({
  clientId: stored.clientId,
  uid: stored.uid,
  scope,
  authAt: stored.authAt,
  amr: stored.amr ? stored.amr.split(' ') : [],
  aal: stored.aal,
  offline: 'offline' in stored ? stored.offline : true,
  sessionTokenId: 'sessionTokenId' in stored ? stored.sessionTokenId : null,
});

export class OAuthService {
  constructor(private readonly deps: OAuthDeps) {}

  /** POST /authorization (and /oauth/authorization): a code for `auth`'s user, or a legacy direct token. */
  async authorize(auth: Authentication, request: AuthorizationRequest): Promise<AuthorizationResult | TokenResponse> {
    const client = await this.deps.clients.require(request.clientId);
    assertEnabled(client);
    const redirectUri = redirectUriFor(client, request.redirectUri);
    const scope = parseScope(request.scope);
    checkRequestedGrant({ client, auth, scope, acrValues: request.acrValues });
    const offline = request.accessType === 'offline';

    if (request.responseType === 'token') {
      if (!client.canGrant) throw new OAuthError(OAUTH_ERRNO.INVALID_RESPONSE_TYPE);
      const grant = grantOfAuthentication(auth, client.id, scope, offline);
      return this.deps.db.transaction(() =>
        this.deps.tokens.mint(grant, client, {
          ttlS: request.ttl,
          resource: request.resource,
          refreshToken: offline ? 'new' : 'none',
        }),
      );
    }

    const hasPkce = request.codeChallenge !== undefined || request.codeChallengeMethod !== undefined;
    if (client.publicClient && (!request.codeChallenge || !request.codeChallengeMethod)) {
      throw new OAuthError(OAUTH_ERRNO.MISSING_PKCE);
    }
    if (!client.publicClient && hasPkce) throw OAuthError.notPublicClient(client.idHex);
    if (request.state === undefined) throw OAuthError.invalidParameter(['state']);

    const code = this.deps.random(32);
    await this.deps.store.insertCode({
      codeHash: sha256(code),
      clientId: client.id,
      uid: auth.uid,
      scope: scope.toString(),
      authAt: auth.authAt,
      amr: auth.amr.join(' '),
      aal: auth.aal,
      offline,
      codeChallenge: request.codeChallenge ?? null,
      keysJwe: request.keysJwe ?? null,
      sessionTokenId: auth.sessionTokenId,
      createdAt: this.deps.clock.now(),
    });
    const redirect = new URL(redirectUri);
    redirect.searchParams.set('code', code.toString('hex'));
    redirect.searchParams.set('state', request.state);
    return { code: code.toString('hex'), state: request.state, redirect: redirect.href, scope: scope.toString() };
  }

  /** POST /key-data and /account/scoped-key-data: per keyed scope, what the browser derives its key from. */
  async keyData(auth: Authentication, clientId: string, requestedScope: string): Promise<ScopedKeyData> {
    const client = await this.deps.clients.require(clientId);
    assertEnabled(client);
    const scope = parseScope(requestedScope);
    checkRequestedGrant({ client, auth, scope });
    const keyRotationTimestamp = Math.max(auth.keysChangedAt ?? auth.generation, 0);
    // Keys that changed after the user last authenticated need a fresh sign-in.
    if (Math.floor(auth.authAt / 1000) < Math.floor(keyRotationTimestamp / 1000)) {
      throw new OAuthError(OAUTH_ERRNO.STALE_AUTH_AT, { extra: { authAt: Math.floor(auth.authAt / 1000) } });
    }
    const data: ScopedKeyData = {};
    for (const value of keyedScopesOf(scope)) {
      data[value] = { identifier: value, keyRotationSecret: KEY_ROTATION_SECRET, keyRotationTimestamp };
    }
    return data;
  }

  /** POST /token (and /oauth/token). */
  async token(request: TokenRequest): Promise<TokenResponse> {
    switch (request.grantType) {
      case 'authorization_code':
        return this.exchangeCode(request);
      case 'refresh_token':
        return this.refresh(request);
      case 'fxa-credentials':
        return this.fxaCredentials(request);
      case TOKEN_EXCHANGE_GRANT:
        return this.exchangeRefreshToken(request);
    }
  }

  /**
   * The client named by the credentials, authenticated as its kind requires: a confidential
   * client by its secret; a public one by name alone (PKCE proves possession for codes).
   */
  private async authenticateClient(credentials: ClientAuthentication): Promise<OAuthClient> {
    const { clientId, secret } = parseClientCredentials(credentials.authorization, {
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    });
    const client = await this.deps.clients.require(clientId);
    checkClientSecret(client, secret);
    return client;
  }

  private async exchangeCode(request: TokenRequest): Promise<TokenResponse> {
    const { code, codeVerifier } = request;
    if (!code) throw OAuthError.invalidParameter(['code']);
    const client = await this.authenticateClient(request.credentials);
    if (codeVerifier !== undefined && !client.publicClient) throw OAuthError.notPublicClient(client.idHex);
    return this.deps.db.transaction(async () => {
      const hash = hashHex(code);
      const stored = await this.deps.store.findCode(hash);
      if (!stored) throw new OAuthError(OAUTH_ERRNO.UNKNOWN_CODE);
      if (!stored.clientId.equals(client.id)) throw new OAuthError(OAUTH_ERRNO.MISMATCH_CODE);
      const expiredAt = stored.createdAt + CODE_LIFETIME_MS;
      if (this.deps.clock.now() > expiredAt) throw new OAuthError(OAUTH_ERRNO.EXPIRED_CODE, { extra: { expiredAt } });
      if (stored.codeChallenge !== null) {
        if (codeVerifier === undefined) throw new OAuthError(OAUTH_ERRNO.MISSING_PKCE);
        if (!pkceMatches(codeVerifier, stored.codeChallenge)) throw new OAuthError(OAUTH_ERRNO.MISMATCH_CODE_CHALLENGE);
      } else if (codeVerifier !== undefined) throw new OAuthError(OAUTH_ERRNO.MISMATCH_CODE_CHALLENGE);
      // Single use: of two concurrent exchanges only one deletes the row.
      if (!(await this.deps.store.takeCode(hash))) throw new OAuthError(OAUTH_ERRNO.UNKNOWN_CODE);
      const response = await this.deps.tokens.mint(grantOfStored(stored), client, {
        ttlS: request.ttl,
        resource: request.resource,
        ppidSeed: request.ppidSeed,
        keysJwe: stored.keysJwe,
        refreshToken: stored.offline ? 'new' : 'none',
      });
      return this.withNewSession(response, request);
    });
  }

  private async refresh(request: TokenRequest): Promise<TokenResponse> {
    if (!request.refreshToken) throw OAuthError.invalidParameter(['refresh_token']);
    const client = await this.authenticateClient(request.credentials);
    assertEnabled(client);
    const hash = hashHex(request.refreshToken);
    const outcome = await this.deps.db.transaction(async () => {
      const stored = await this.deps.store.findRefreshToken(hash);
      if (!stored || !stored.clientId.equals(client.id)) throw new OAuthError(OAUTH_ERRNO.INVALID_TOKEN);
      const scope = this.refreshScope(client, stored, request.scope);
      const now = this.deps.clock.now();
      if (client.rotateRefreshTokens) {
        // A replaced token presented again means it leaked: end the whole family.
        if (stored.rotatedAt !== null || !(await this.deps.store.markRotated(hash, now))) {
          return { reusedFamily: stored.familyId };
        }
      } else if (now - stored.lastUsedAt > REFRESH_TOKEN_TOUCH_MS) {
        await this.deps.store.touchRefreshToken(hash, now);
      }
      const response = await this.deps.tokens.mint(grantOfStored(stored, scope.toString()), client, {
        ttlS: request.ttl,
        resource: request.resource,
        ppidSeed: request.ppidSeed,
        refreshToken: client.rotateRefreshTokens ? { familyId: stored.familyId } : 'none',
        fromFamily: stored.familyId,
      });
      // The device registered with the replaced token now answers to its successor.
      if (response.refresh_token) await this.deps.devices?.refreshTokenReplaced(hash, hashHex(response.refresh_token));
      return response;
    });
    if ('reusedFamily' in outcome) {
      // Its own transaction: the refusal must not roll the revocation back.
      await this.deps.db.transaction(() => this.deps.store.deleteFamily(outcome.reusedFamily));
      throw new OAuthError(OAUTH_ERRNO.INVALID_TOKEN);
    }
    return outcome;
  }

  /** The scope of a refresh grant: the token's, or a part of it; a trusted client may widen to its allowed scopes. */
  private refreshScope(client: OAuthClient, stored: RefreshTokenRecord, requested: string | undefined): ScopeSet {
    const held = ScopeSet.fromString(stored.scope);
    let scope = held;
    if (requested !== undefined) {
      scope = parseScope(requested);
      if (!held.contains(scope)) {
        const widest = held.union(ScopeSet.fromString(client.allowedScopes));
        if (!client.trusted || !widest.contains(scope)) throw OAuthError.invalidScopes(scope.difference(held).toString());
      }
    }
    // A refresh grant never yields an id_token or a session.
    return scope.remove(SCOPE.openid).remove(SCOPE.sessionToken);
  }

  private async fxaCredentials(request: TokenRequest): Promise<TokenResponse> {
    const { auth } = request;
    if (!auth) throw new OAuthError(OAUTH_ERRNO.INVALID_ASSERTION);
    const client = await this.authenticateClient(request.credentials);
    assertEnabled(client);
    if (!client.canGrant) throw new OAuthError(OAUTH_ERRNO.INVALID_GRANT_TYPE);
    if (!client.publicClient) throw OAuthError.notPublicClient(client.idHex);
    if (request.scope === undefined) throw OAuthError.invalidParameter(['scope']);
    const scope = parseScope(request.scope);
    checkRequestedGrant({ client, auth, scope });
    const offline = request.accessType === 'offline';
    return this.deps.db.transaction(async () => {
      const response = await this.deps.tokens.mint(grantOfAuthentication(auth, client.id, scope, offline), client, {
        ttlS: request.ttl,
        resource: request.resource,
        ppidSeed: request.ppidSeed,
        refreshToken: offline ? 'new' : 'none',
      });
      return this.withNewSession(response, request);
    });
  }

  /**
   * `/oauth/token`: the session id a `tokens/session` grant carries becomes a new session, in
   * the grant's transaction (a failure leaves the code unspent). The original being gone since
   * the code was issued is FxA's unknown-code error (auth 172 at the twin).
   */
  private async withNewSession(response: TokenResponse, request: TokenRequest): Promise<TokenResponse> {
    const { session_token_id: sessionTokenId, ...rest } = response;
    if (!request.newSession || sessionTokenId === undefined) return response;
    const copy = await this.deps.sessions.duplicateFor(Buffer.from(sessionTokenId, 'hex'), request.newSession.userAgent);
    if (!copy) throw new OAuthError(OAUTH_ERRNO.UNKNOWN_CODE);
    return { ...rest, session_token: copy.tokenData.toString('hex') };
  }

  /** RFC 8693 as FxA uses it: a Firefox refresh token traded for a new one with more (Relay) scope. */
  private async exchangeRefreshToken(request: TokenRequest): Promise<TokenResponse> {
    if (!request.subjectToken || request.subjectTokenType !== REFRESH_TOKEN_TYPE) {
      throw OAuthError.invalidParameter(['subject_token_type']);
    }
    if (request.scope === undefined) throw OAuthError.invalidParameter(['scope']);
    const requested = parseScope(request.scope);
    const hash = hashHex(request.subjectToken);
    return this.deps.db.transaction(async () => {
      const stored = await this.deps.store.findRefreshToken(hash);
      if (!stored || stored.rotatedAt !== null) throw new OAuthError(OAUTH_ERRNO.INVALID_TOKEN);
      const client = await this.deps.clients.require(stored.clientId.toString('hex'));
      assertEnabled(client);
      if (!BROWSER_CLIENT_IDS.includes(client.idHex) || !TOKEN_EXCHANGE_SCOPES.contains(requested)) {
        throw new OAuthError(OAUTH_ERRNO.FORBIDDEN);
      }
      // A refresh token keeps no session to copy: like a refresh grant, the exchange drops the
      // scope (FxA keeps it, and its /oauth/token then fails with 172).
      const scope = ScopeSet.fromString(stored.scope).union(requested).remove(SCOPE.sessionToken);
      const grant: Grant = { ...grantOfStored(stored, scope.toString()), authAt: this.deps.clock.now(), offline: true };
      await this.deps.store.deleteFamily(stored.familyId);
      const response = await this.deps.tokens.mint(grant, client, { refreshToken: 'new' });
      if (response.refresh_token) await this.deps.devices?.refreshTokenReplaced(hash, hashHex(response.refresh_token));
      return response;
    });
  }

  /**
   * POST /destroy: one access or refresh token (or a refresh token by id). With client
   * credentials the token must be that client's; unknown tokens are 108. `orRefreshToken`: an
   * access token that is not found is tried as a refresh token (RFC 7009's `token`).
   */
  async destroy(
    credentials: ClientAuthentication | undefined,
    target: { accessToken?: string; orRefreshToken?: boolean; refreshToken?: string; refreshTokenId?: string },
  ): Promise<void> {
    const client = credentials ? await this.authenticateClient(credentials) : undefined;
    await this.deps.db.transaction(async () => {
      let { refreshToken } = target;
      if (target.accessToken !== undefined) {
        const record = await this.deps.tokens.findAccessToken(target.accessToken);
        if (record && (!client || record.clientId.equals(client.id))) {
          await this.deps.store.deleteAccessToken(record.tokenHash);
          return;
        }
        if (!target.orRefreshToken || !isTokenHex(target.accessToken)) {
          throw new OAuthError(OAUTH_ERRNO.INVALID_TOKEN);
        }
        refreshToken = target.accessToken;
      }
      const hash = target.refreshTokenId !== undefined ? Buffer.from(target.refreshTokenId, 'hex') : hashHex(refreshToken ?? '');
      const stored = await this.deps.store.findRefreshToken(hash);
      if (!stored || (client && !stored.clientId.equals(client.id))) throw new OAuthError(OAUTH_ERRNO.INVALID_TOKEN);
      await this.deps.store.deleteFamily(stored.familyId);
    });
  }

  /**
   * RFC 7009 revocation (`/oauth/destroy`): the client's access or refresh token, tried in the
   * hinted order; a token that is not found (or not this client's) is not an error.
   */
  async revoke(credentials: ClientAuthentication, token: string, hint?: string): Promise<void> {
    const client = await this.authenticateClient(credentials);
    const tryAccess = async () => {
      const record = await this.deps.tokens.findAccessToken(token);
      if (!record || !record.clientId.equals(client.id)) return false;
      await this.deps.store.deleteAccessToken(record.tokenHash);
      return true;
    };
    const tryRefresh = async () => {
      if (!isTokenHex(token)) return false;
      const stored = await this.deps.store.findRefreshToken(hashHex(token));
      if (!stored || !stored.clientId.equals(client.id)) return false;
      await this.deps.store.deleteFamily(stored.familyId);
      return true;
    };
    const order = hint === 'refresh_token' ? [tryRefresh, tryAccess] : [tryAccess, tryRefresh];
    await this.deps.db.transaction(async () => {
      for (const attempt of order) if (await attempt()) return;
    });
  }

  /** RFC 7662, in FxA's shape (ms timestamps, jti = tokenId hex). */
  async introspect(token: string, hint?: string): Promise<Introspection> {
    const now = this.deps.clock.now();
    const access = async (): Promise<Introspection | undefined> => {
      const record = await this.deps.tokens.findAccessToken(token);
      return record && this.describeAccess(record, now);
    };
    const refresh = async (): Promise<Introspection | undefined> => {
      if (!isTokenHex(token)) return undefined;
      const stored = await this.deps.store.findRefreshToken(hashHex(token));
      if (!stored) return undefined;
      const client = await this.deps.clients.find(stored.clientId.toString('hex'));
      if (!client?.publicClient) throw OAuthError.notPublicClient(stored.clientId.toString('hex'));
      return {
        active: stored.rotatedAt === null,
        scope: stored.scope,
        client_id: stored.clientId.toString('hex'),
        token_type: 'refresh_token',
        iat: stored.createdAt,
        sub: stored.uid.toString('hex'),
        jti: stored.tokenHash.toString('hex'),
        'fxa-lastUsedAt': stored.lastUsedAt,
      };
    };
    const order = hint === 'refresh_token' ? [refresh, access] : [access, refresh];
    for (const attempt of order) {
      const found = await attempt();
      if (found) return found;
    }
    return { active: false };
  }

  private describeAccess(record: AccessTokenRecord, now: number): Introspection {
    return {
      active: record.expiresAt > now,
      scope: record.scope,
      client_id: record.clientId.toString('hex'),
      token_type: 'access_token',
      iat: record.createdAt,
      exp: record.expiresAt,
      sub: record.uid.toString('hex'),
      jti: record.tokenHash.toString('hex'),
    };
  }

  /** The clients holding tokens for `uid` (FxA's authorized-clients list and order). */
  async authorizedClients(uid: Buffer): Promise<AuthorizedClient[]> {
    const { refreshTokens, accessTokens } = await this.deps.store.listForUser(uid, this.deps.clock.now());
    const names = new Map<string, OAuthClient | undefined>();
    const clientOf = async (id: Buffer) => {
      const key = id.toString('hex');
      if (!names.has(key)) names.set(key, await this.deps.clients.find(key));
      return names.get(key);
    };
    const list: AuthorizedClient[] = [];
    for (const token of refreshTokens) {
      const client = await clientOf(token.clientId);
      if (!client) continue;
      list.push({
        client_id: client.idHex,
        refresh_token_id: token.tokenHash.toString('hex'),
        client_name: client.name,
        created_time: token.createdAt,
        last_access_time: token.lastUsedAt,
        scope: ScopeSet.fromString(token.scope).getScopeValues().sort(),
      });
    }
    // Access tokens merge per client, unless the client is listed by a refresh token already
    // or may grant itself tokens (its access tokens are not the user's consent).
    const withRefresh = new Set(list.map((entry) => entry.client_id));
    const merged = new Map<string, AuthorizedClient>();
    for (const token of accessTokens) {
      const client = await clientOf(token.clientId);
      if (!client || client.canGrant || withRefresh.has(client.idHex) || token.familyId !== null) continue;
      const entry = merged.get(client.idHex);
      const scope = ScopeSet.fromString(token.scope);
      if (!entry) {
        merged.set(client.idHex, {
          client_id: client.idHex,
          client_name: client.name,
          created_time: token.createdAt,
          last_access_time: token.createdAt,
          scope: scope.getScopeValues().sort(),
        });
        continue;
      }
      entry.created_time = Math.min(entry.created_time, token.createdAt);
      entry.last_access_time = Math.max(entry.last_access_time, token.createdAt);
      entry.scope = ScopeSet.fromArray(entry.scope).union(scope).getScopeValues().sort();
    }
    list.push(...merged.values());
    return list.sort(
      (a, b) =>
        b.last_access_time - a.last_access_time || a.client_name.localeCompare(b.client_name) || a.created_time - b.created_time,
    );
  }

  /**
   * Revokes the refresh token a device was registered with (its whole rotation family and the
   * access tokens minted from it), whatever its client; false when `uid` holds no such token.
   * Joins the caller's transaction.
   */
  async revokeRefreshToken(uid: Buffer, refreshTokenId: Buffer): Promise<boolean> {
    return this.deps.db.transaction(async () => {
      const stored = await this.deps.store.findRefreshToken(refreshTokenId);
      if (!stored || !stored.uid.equals(uid)) return false;
      await this.deps.store.deleteFamily(stored.familyId);
      return true;
    });
  }

  /** Revokes one refresh token of the user (122 when it is not theirs), or everything the client holds. */
  async destroyAuthorizedClient(uid: Buffer, clientId: string, refreshTokenId?: string): Promise<void> {
    const client = await this.deps.clients.find(clientId);
    const id = client?.id ?? Buffer.from(clientId, 'hex');
    await this.deps.db.transaction(async () => {
      if (refreshTokenId === undefined) return this.deps.store.deleteAllForClient(uid, id);
      const stored = await this.deps.store.findRefreshToken(Buffer.from(refreshTokenId, 'hex'));
      if (!stored || !stored.uid.equals(uid) || !stored.clientId.equals(id)) throw new OAuthError(OAUTH_ERRNO.UNKNOWN_TOKEN);
      await this.deps.store.deleteFamily(stored.familyId);
    });
  }

  // Refresh tokens as credentials of the device routes (FxA's `refreshToken` auth scheme).

  /** The live (not replaced) refresh token with this value, or undefined. */
  async refreshTokenGrant(token: string): Promise<RefreshTokenGrant | undefined> {
    if (!isTokenHex(token)) return undefined;
    const stored = await this.deps.store.findRefreshToken(hashHex(token));
    if (!stored || stored.rotatedAt !== null) return undefined;
    const client = await this.deps.clients.find(stored.clientId.toString('hex'));
    return {
      tokenId: stored.tokenHash,
      uid: stored.uid,
      clientId: stored.clientId,
      clientName: client?.name ?? null,
      scope: ScopeSet.fromString(stored.scope),
    };
  }

  /** When each of the user's live refresh tokens was last used (id hex → ms), for the device list. */
  async refreshTokensLastUsed(uid: Buffer): Promise<Map<string, number>> {
    const { refreshTokens } = await this.deps.store.listForUser(uid, this.deps.clock.now());
    return new Map(refreshTokens.map((token) => [token.tokenHash.toString('hex'), token.lastUsedAt]));
  }
}
