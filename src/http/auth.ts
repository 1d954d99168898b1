// Token authentication for FxA routes (docs/protocol.md §4): Hawk with full MAC, payload-hash,
// timestamp and nonce checks, or the bearer token-id form `Bearer fxs_<tokenId>`
// that current Mozilla clients send. Each route names one strategy; the strategy
// looks the tokenId up in its own token table only. A strategy may also take an OAuth
// access token (`Bearer <access token>`), as FxA's few routes with a second `oauthToken`
// strategy do.

import type { FastifyRequest } from 'fastify';
import { AppError, ERRNO, type Errno } from '../errors.js';
import type { EphemeralStore } from '../kv/index.js';
import type { Clock } from '../runtime.js';
import { parseHawkHeader, verifyHawkMac, verifyHawkPayloadHash, type HawkAttributes, type HawkRequestParts } from './hawk.js';

/** What a strategy finds for a tokenId: the Hawk key and the token record handed to the route. */
export interface ResolvedToken<T> {
  authKey: Buffer;
  token: T;
}

/** What a route's preconditions are checked against. */
export interface TokenState {
  emailVerified: boolean;
  tokenVerified: boolean;
  /** Authentication assurance level of the token (2 after a second factor). */
  assuranceLevel: number;
  /** The level the account requires of tokens that change it. */
  requiredAssuranceLevel: number;
}

export interface AuthStrategy<T = unknown> {
  /** The swagger's name for it, shown in the OpenAPI document (`sessionToken`, `keyFetchToken`…). */
  name: string;
  /** Bearer prefixes this strategy accepts (`fxs`, `fxk`, …). */
  bearerPrefixes: readonly string[];
  /** Looks the token up; null when unknown. Throws AppError 110 when it exists but expired. */
  lookup(tokenId: Buffer): Promise<ResolvedToken<T> | null>;
  state(token: T): TokenState;
  /** What a route that needs a confirmed token answers for an unconfirmed one. */
  unconfirmedErrno: Errno;
  /**
   * A second way in, for FxA's routes with `strategies: ['sessionToken', 'oauthToken']`: a
   * bearer credential that is not a token id (`Bearer <OAuth access token>`) goes to `verify`,
   * which resolves the route's token or throws errno 110. Without it such a header is 110.
   */
  accessToken?: { name: string; verify(credential: string): Promise<T> };
}

export interface AuthResult<T = unknown> {
  /** The Hawk / `Bearer fx…_` token id; null for an OAuth access token (`AuthStrategy.accessToken`). */
  tokenId: Buffer | null;
  token: T;
  /** 'hawk' or 'bearer': only Hawk requests prove possession of the token's secret. */
  scheme: 'hawk' | 'bearer';
}

export interface HawkSettings {
  publicUrl: string;
  timestampSkewSeconds: number;
  clock: Clock;
  nonces: EphemeralStore;
}

const TOKEN_ID_HEX = /^[0-9a-fA-F]{64}$/;
/** How often the PUBLIC_URL mismatch warning is repeated for one Host. */
const HOST_MISMATCH_WARNING_INTERVAL_MS = 5 * 60 * 1000;
const BEARER_TOKEN_ID = /^Bearer ([a-z]+)_([0-9a-f]{64})$/;

export class Authenticator {
  private readonly host: string;
  private readonly port: number;
  /** Host header → when the PUBLIC_URL mismatch warning was last logged for it. */
  private readonly mismatchWarnedAt = new Map<string, number>();

  constructor(private readonly settings: HawkSettings) {
    const url = new URL(settings.publicUrl);
    this.host = url.hostname.toLowerCase();
    this.port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  }

  /** Authenticates `request` with `strategy`; null only when the header is absent and auth is optional. */
  authenticate<T>(request: FastifyRequest, strategy: AuthStrategy<T>, optional: boolean): Promise<AuthResult<T> | null> {
    const header = request.headers.authorization;
    if (!header) {
      return optional ? Promise.resolve(null) : Promise.reject(AppError.invalidToken('Missing authentication'));
    }
    if (header.startsWith('Bearer ')) return this.bearer(header, strategy);
    // Auth schemes are case-insensitive (RFC 7235); bearer token ids keep FxA's strict form.
    if (/^hawk\s/i.test(header)) return this.hawk(request, header, strategy);
    return Promise.reject(AppError.invalidToken());
  }

  private async bearer<T>(header: string, strategy: AuthStrategy<T>): Promise<AuthResult<T>> {
    const match = BEARER_TOKEN_ID.exec(header);
    if (!match && strategy.accessToken) {
      return { tokenId: null, token: await strategy.accessToken.verify(header.slice('Bearer '.length)), scheme: 'bearer' };
    }
    if (!match || !strategy.bearerPrefixes.includes(match[1]!)) throw AppError.invalidToken();
    const tokenId = Buffer.from(match[2]!, 'hex');
    const resolved = await strategy.lookup(tokenId);
    if (!resolved) throw AppError.invalidToken();
    return { tokenId, token: resolved.token, scheme: 'bearer' };
  }

  /**
   * Hawk with the order of checks of the reference implementation: the token, the MAC, the
   * payload hash when sent, then the timestamp and the nonce (a stale request spends no nonce).
   */
  private async hawk<T>(request: FastifyRequest, header: string, strategy: AuthStrategy<T>): Promise<AuthResult<T>> {
    const { clock, nonces, timestampSkewSeconds } = this.settings;
    const attributes = parseHawkHeader(header);
    if (!attributes || !TOKEN_ID_HEX.test(attributes.id)) throw AppError.invalidToken();
    const tokenId = Buffer.from(attributes.id, 'hex');
    const resolved = await strategy.lookup(tokenId);
    if (!resolved) throw AppError.invalidToken();

    const parts = { method: request.method, resource: request.url, host: this.host, port: this.port };
    if (!verifyHawkMac(resolved.authKey, attributes, parts)) {
      this.explainHostMismatch(request, resolved.authKey, attributes, parts);
      throw AppError.invalidSignature();
    }
    // The payload hash is optional in FxA, but when a client sends one it must match the body.
    if (attributes.hash !== undefined) {
      const contentType = request.headers['content-type'] ?? '';
      if (!verifyHawkPayloadHash(attributes.hash, contentType, request.rawBody ?? '')) throw AppError.invalidSignature();
    }

    const now = clock.now();
    const skewMs = timestampSkewSeconds * 1000;
    if (!/^\d+$/.test(attributes.ts) || Math.abs(Number(attributes.ts) * 1000 - now) > skewMs) {
      throw AppError.invalidTimestamp(Math.floor(now / 1000));
    }
    // Remembered while the timestamp stays acceptable (up to the skew ahead, then the skew).
    // 96 bits of the tokenId keep the key short.
    const nonceKey = `hawk:${tokenId.toString('base64', 0, 12)}:${attributes.ts}:${attributes.nonce}`;
    if (!(await nonces.firstUse(nonceKey, 2 * skewMs))) throw new AppError(ERRNO.INVALID_NONCE);

    return { tokenId, token: resolved.token, scheme: 'hawk' };
  }

  /**
   * Clients sign the host and port they connect to; the server verifies against PUBLIC_URL's.
   * When a MAC fails but would verify for the request's own Host, PUBLIC_URL is most likely
   * wrong: say so in the log (now and then, per Host). The request still gets 109.
   */
  private explainHostMismatch(request: FastifyRequest, authKey: Buffer, attributes: HawkAttributes, parts: HawkRequestParts): void {
    const seen = request.host; // Host, or X-Forwarded-Host when TRUST_PROXY is on
    if (!seen) return;
    let host: string;
    let port: number;
    try {
      const url = new URL(`${request.protocol}://${seen}`);
      host = url.hostname.toLowerCase();
      port = url.port ? Number(url.port) : request.protocol === 'https' ? 443 : 80;
    } catch {
      return;
    }
    if (host === parts.host && port === parts.port) return;
    if (!verifyHawkMac(authKey, attributes, { ...parts, host, port })) return;
    const now = this.settings.clock.now();
    const last = this.mismatchWarnedAt.get(seen);
    if (last !== undefined && now - last < HOST_MISMATCH_WARNING_INTERVAL_MS) return;
    if (this.mismatchWarnedAt.size >= 100) this.mismatchWarnedAt.clear();
    this.mismatchWarnedAt.set(seen, now);
    request.log.warn(
      { publicUrl: this.settings.publicUrl, host: seen },
      `Hawk signature made for Host ${seen}, but PUBLIC_URL is ${this.settings.publicUrl}: ` +
        'requests get errno 109 until PUBLIC_URL is set to the URL clients use',
    );
  }
}
