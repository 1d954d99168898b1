// Token authentication for FxA routes (PROTOCOL §4): Hawk with full MAC, payload-hash,
// timestamp and nonce checks, or the bearer token-id form `Bearer fxs_<tokenId>`
// that current Mozilla clients send. Each route names one strategy; the strategy
// looks the tokenId up in its own token table only.

import { createRequire } from 'node:module';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { EphemeralStore } from '../kv/index.js';
import type { Clock } from '../runtime.js';

/** What a strategy finds for a tokenId: the Hawk key and the token record handed to the route. */
export interface ResolvedToken<T> {
  authKey: Buffer;
  token: T;
}

export interface AuthStrategy<T = unknown> {
  /** Bearer prefixes this strategy accepts (`fxs`, `fxk`, …). */
  bearerPrefixes: readonly string[];
  /** Looks the token up; null when unknown. Throws AppError 110 when it exists but expired. */
  lookup(tokenId: Buffer): Promise<ResolvedToken<T> | null>;
}

export interface AuthResult<T = unknown> {
  tokenId: Buffer;
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

interface HawkArtifacts {
  hash?: string;
  nonce: string;
}
interface HawkCredentials {
  key: Buffer;
  algorithm: 'sha256';
}
interface HawkServer {
  authenticate(
    request: { method: string; url: string; host: string; port: number; authorization: string; contentType: string },
    credentialsFunc: (id: string) => Promise<HawkCredentials | null>,
    options: {
      timestampSkewSec: number;
      localtimeOffsetMsec: number;
      nonceFunc: (key: Buffer, nonce: string, ts: string) => Promise<void>;
    },
  ): Promise<{ credentials: HawkCredentials; artifacts: HawkArtifacts }>;
  authenticatePayload(payload: string, credentials: HawkCredentials, artifacts: HawkArtifacts, contentType: string): void;
}

const { server: hawkServer } = createRequire(import.meta.url)('hawk') as { server: HawkServer };

const TOKEN_ID_HEX = /^[0-9a-fA-F]{64}$/;
const BEARER_TOKEN_ID = /^Bearer ([a-z]+)_([0-9a-f]{64})$/;

/** Maps the hawk package's failure messages onto FxA errnos (PROTOCOL §4.1 table). */
function hawkFailure(err: unknown, serverTimeSeconds: number): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : '';
  switch (message) {
    case 'Stale timestamp':
      return AppError.invalidTimestamp(serverTimeSeconds);
    case 'Invalid nonce':
      return new AppError(115);
    case 'Bad mac':
    case 'Bad payload hash':
    case 'Missing required payload hash':
    case 'Unknown algorithm':
      return AppError.invalidSignature();
    default:
      // Missing or malformed header, unknown credentials.
      return AppError.invalidToken();
  }
}

export class Authenticator {
  private readonly host: string;
  private readonly port: number;

  constructor(private readonly settings: HawkSettings) {
    const url = new URL(settings.publicUrl);
    this.host = url.hostname.toLowerCase();
    this.port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  }

  /** Authenticates `request` with `strategy`; null only when the header is absent and auth is optional. */
  async authenticate<T>(
    request: FastifyRequest,
    strategy: AuthStrategy<T>,
    optional: boolean,
  ): Promise<AuthResult<T> | null> {
    const header = request.headers.authorization;
    if (!header) {
      if (optional) return null;
      throw AppError.invalidToken('Missing authentication');
    }
    if (header.startsWith('Bearer ')) return this.bearer(header, strategy);
    if (header.startsWith('Hawk ')) return this.hawk(request, header, strategy);
    throw AppError.invalidToken();
  }

  private async bearer<T>(header: string, strategy: AuthStrategy<T>): Promise<AuthResult<T>> {
    const match = BEARER_TOKEN_ID.exec(header);
    if (!match || !strategy.bearerPrefixes.includes(match[1]!)) throw AppError.invalidToken();
    const tokenId = Buffer.from(match[2]!, 'hex');
    const resolved = await strategy.lookup(tokenId);
    if (!resolved) throw AppError.invalidToken();
    return { tokenId, token: resolved.token, scheme: 'bearer' };
  }

  private async hawk<T>(request: FastifyRequest, header: string, strategy: AuthStrategy<T>): Promise<AuthResult<T>> {
    const { clock, nonces, timestampSkewSeconds } = this.settings;
    const contentType = request.headers['content-type'] ?? '';
    let found: { tokenId: Buffer; resolved: ResolvedToken<T> } | undefined;

    const credentialsFunc = async (id: string): Promise<HawkCredentials | null> => {
      if (!TOKEN_ID_HEX.test(id)) return null;
      const tokenId = Buffer.from(id, 'hex');
      const resolved = await strategy.lookup(tokenId);
      if (!resolved) return null;
      found = { tokenId, resolved };
      return { key: resolved.authKey, algorithm: 'sha256' };
    };
    // A nonce is remembered for the whole window in which its timestamp is acceptable.
    const nonceFunc = async (_key: Buffer, nonce: string, ts: string): Promise<void> => {
      const key = `hawk:${found!.tokenId.toString('hex')}:${ts}:${nonce}`;
      if (!(await nonces.setIfAbsent(key, '1', 2 * timestampSkewSeconds * 1000))) throw new Error('replayed');
    };

    try {
      const { credentials, artifacts } = await hawkServer.authenticate(
        { method: request.method, url: request.url, host: this.host, port: this.port, authorization: header, contentType },
        credentialsFunc,
        {
          timestampSkewSec: timestampSkewSeconds,
          localtimeOffsetMsec: clock.now() - Date.now(),
          nonceFunc,
        },
      );
      // The payload hash is optional in FxA, but when a client sends one it must match.
      if (artifacts.hash) {
        hawkServer.authenticatePayload(request.rawBody ?? '', credentials, artifacts, contentType);
      }
    } catch (err) {
      throw hawkFailure(err, Math.floor(clock.now() / 1000));
    }
    return { tokenId: found!.tokenId, token: found!.resolved.token, scheme: 'hawk' };
  }
}
