import { BEARER_PREFIXES, deriveToken, type TokenKind } from '../crypto/index.js';
import { hawkHeader, type HawkOverrides } from './hawk.js';

export type AuthScheme = 'hawk' | 'bearer';

/** A token as clients hold it: its kind and the 32-byte secret as hex. */
export interface TokenRef {
  kind: TokenKind;
  tokenData: string;
}

export interface RequestOptions {
  /** Sent as JSON; also the signed Hawk payload. */
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  token?: TokenRef;
  /** Set last, so they can replace Content-Type or Authorization. */
  headers?: Record<string, string>;
  hawk?: HawkOverrides;
}

export interface HttpClientOptions {
  /** How token requests authenticate; default 'hawk'. */
  auth?: AuthScheme;
  /** Local clock in ms; default Date.now. */
  now?: () => number;
  fetch?: typeof fetch;
}

/** FxA error body: `{code, errno, error, message, info}` plus errno-specific fields. */
export interface ErrorBody {
  code?: number;
  errno?: number;
  error?: string;
  message?: string;
  [field: string]: unknown;
}

/** A non-2xx response. */
export class ClientError extends Error {
  readonly errno: number | undefined;

  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    /** Response headers, lower-cased names. */
    readonly headers: Record<string, string>,
  ) {
    super(body.message ?? `HTTP ${status}`);
    this.name = 'ClientError';
    this.errno = body.errno;
  }
}

/**
 * The API root of a server given as its origin (`PUBLIC_URL`, possibly below a path) with or
 * without the `/v1` prefix: `https://a.example/` and `https://a.example/v1` both give
 * `https://a.example/v1`. Throws on anything but an http(s) URL.
 */
export function apiBaseUrl(serverUrl: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl.trim());
  } catch {
    throw new TypeError(`not a URL: ${serverUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${serverUrl}`);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path.endsWith('/v1') ? path : `${path}/v1`}`;
}

export const ERRNO_INVALID_TIMESTAMP = 111;
// Smaller differences are left alone: the Timestamp header only has second resolution.
const CLOCK_RESYNC_THRESHOLD_MS = 30_000;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export class HttpClient {
  readonly baseUrl: string;
  readonly auth: AuthScheme;
  /** Added to the local clock to get the server's, learnt from `Timestamp` and errno 111. */
  clockOffsetMs = 0;
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;

  /** baseUrl: the server's origin (its `PUBLIC_URL`), with or without the `/v1` prefix. */
  constructor(baseUrl: string, options: HttpClientOptions = {}) {
    this.baseUrl = apiBaseUrl(baseUrl);
    this.auth = options.auth ?? 'hawk';
    this.now = options.now ?? Date.now;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Parsed JSON on 2xx; otherwise throws ClientError. Retries once on a stale Hawk timestamp. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    let response = await this.send(method, path, options);
    const serverTime = this.staleTimestampServerTime(response, options);
    if (serverTime !== undefined) {
      this.clockOffsetMs = serverTime * 1000 - this.now();
      response = await this.send(method, path, options);
    }
    if (response.status >= 200 && response.status < 300) return response.body as T;
    throw new ClientError(response.status, asErrorBody(response.body), response.headers);
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<RawResponse> {
    const url = this.url(path, options.query);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers = new Headers();
    if (payload !== undefined) headers.set('content-type', 'application/json');
    if (options.token) headers.set('authorization', this.authorization(method, url, options.token, payload, options.hawk));
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);

    const response = await this.fetchImpl(url, { method, headers, body: payload });
    this.learnClock(response.headers.get('timestamp'));
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: parseBody(await response.text()),
    };
  }

  private url(path: string, query: RequestOptions['query']): string {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.href;
  }

  private authorization(
    method: string,
    url: string,
    token: TokenRef,
    payload: string | undefined,
    overrides: HawkOverrides = {},
  ): string {
    const { tokenId, authKey } = deriveToken(token.kind, Buffer.from(token.tokenData, 'hex'));
    if (this.auth === 'bearer') return `Bearer ${BEARER_PREFIXES[token.kind]}_${tokenId.toString('hex')}`;
    return hawkHeader({
      url,
      method,
      id: tokenId.toString('hex'),
      key: authKey,
      contentType: payload === undefined ? undefined : 'application/json',
      payload: overrides.payload ?? payload,
      hash: overrides.hash,
      nonce: overrides.nonce,
      ext: overrides.ext,
      timestamp: overrides.timestamp ?? Math.floor((this.now() + this.clockOffsetMs) / 1000),
    });
  }

  private learnClock(timestampHeader: string | null): void {
    const serverSeconds = Number(timestampHeader);
    if (!timestampHeader || !Number.isFinite(serverSeconds)) return;
    const localMs = this.now();
    if (Math.abs(serverSeconds * 1000 - (localMs + this.clockOffsetMs)) > CLOCK_RESYNC_THRESHOLD_MS) {
      this.clockOffsetMs = serverSeconds * 1000 - localMs;
    }
  }

  /** serverTime of a 111 that a re-signed retry can fix; undefined when no retry applies. */
  private staleTimestampServerTime(response: RawResponse, options: RequestOptions): number | undefined {
    const resignable = options.token !== undefined && this.auth === 'hawk' && options.hawk?.timestamp === undefined;
    const body = asErrorBody(response.body);
    if (!resignable || response.status !== 401 || body.errno !== ERRNO_INVALID_TIMESTAMP) return undefined;
    const serverTime = Number(body.serverTime ?? response.headers['timestamp']);
    return Number.isFinite(serverTime) ? serverTime : undefined;
  }
}

function parseBody(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function asErrorBody(body: unknown): ErrorBody {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as ErrorBody;
  return { message: String(body) };
}
