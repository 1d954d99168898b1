// The FxA auth API as the pages call it: JSON over fetch, session requests signed with Hawk
// (WebCrypto), the clock offset learnt from the server's Timestamp header. No DOM types, so
// it also runs in Node (tests).

import {
  deriveToken,
  fromHex,
  hawkHeader,
  quickStretchV1,
  quickStretchV2,
  randomNonce,
  toHex,
  unwrapAccountKeys,
  type StretchedPassword,
} from './crypto.js';
import type { ScopedKeyData } from './scoped-keys.js';

export const ERRNO = {
  ACCOUNT_EXISTS: 101,
  UNKNOWN_ACCOUNT: 102,
  INCORRECT_PASSWORD: 103,
  UNVERIFIED_ACCOUNT: 104,
  INVALID_VERIFICATION_CODE: 105,
  INVALID_TIMESTAMP: 111,
  THROTTLED: 114,
  INCORRECT_EMAIL_CASE: 120,
  REQUEST_BLOCKED: 125,
  INVALID_UNBLOCK_CODE: 127,
  FAILED_TO_SEND_EMAIL: 151,
  INVALID_EXPIRED_OTP_CODE: 183,
  SERVICE_UNAVAILABLE: 201,
} as const;

/** A non-2xx answer, or no answer at all (errno undefined, status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errno: number | undefined,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

export interface Session {
  uid: string;
  email: string;
  /** 32 bytes hex: the token data, kept by the page as the browser's session. */
  sessionToken: string;
  verified: boolean;
}

export interface SignedIn extends Session {
  /** keys=true: fetch kA/kB once the session is confirmed. Kept in memory only. */
  keyFetchToken?: string;
  unwrapBKey?: string;
  verificationMethod?: string;
}

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string>;
  /** Hawk-sign with this token (hex token data). */
  token?: { kind: 'sessionToken' | 'keyFetchToken'; data: string };
}

const CLOCK_RESYNC_THRESHOLD_MS = 30_000;

export class Api {
  /** Added to the local clock to get the server's. */
  private clockOffsetMs = 0;

  /** apiBase: PUBLIC_URL + "/v1"; serverTime: the server's time (unix seconds) when known. */
  constructor(
    private readonly apiBase: string,
    options: { lang?: string; serverTime?: number; fetch?: typeof fetch } = {},
  ) {
    this.lang = options.lang;
    this.fetchImpl = options.fetch ?? ((...args) => fetch(...args));
    if (options.serverTime !== undefined && Number.isFinite(options.serverTime)) this.learnClock(String(options.serverTime));
  }

  private readonly lang: string | undefined;
  private readonly fetchImpl: typeof fetch;

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    let response = await this.send(method, path, options);
    if (response.status === 401 && response.body.errno === ERRNO.INVALID_TIMESTAMP && options.token) {
      const serverTime = Number(response.body.serverTime);
      if (Number.isFinite(serverTime)) {
        this.clockOffsetMs = serverTime * 1000 - Date.now();
        response = await this.send(method, path, options);
      }
    }
    if (response.status >= 200 && response.status < 300) return response.body as T;
    const errno = typeof response.body.errno === 'number' ? response.body.errno : undefined;
    throw new ApiError(response.status, errno, response.body);
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const url = new URL(this.apiBase + path);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {};
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.lang) headers['accept-language'] = this.lang;
    if (options.token) {
      const { tokenId, authKey } = await deriveToken(options.token.kind, fromHex(options.token.data));
      headers.authorization = await hawkHeader({
        method,
        url: url.href,
        id: toHex(tokenId),
        key: authKey,
        timestamp: Math.floor((Date.now() + this.clockOffsetMs) / 1000),
        nonce: randomNonce(),
        contentType: payload === undefined ? undefined : 'application/json',
        payload,
      });
    }
    let response: Response;
    try {
      response = await this.fetchImpl(url.href, { method, headers, body: payload, credentials: 'omit' });
    } catch {
      throw new ApiError(0, undefined, {});
    }
    this.learnClock(response.headers.get('timestamp'));
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      // Not JSON (a proxy's error page): status alone.
    }
    return { status: response.status, body };
  }

  private learnClock(header: string | null): void {
    const serverSeconds = Number(header);
    if (!header || !Number.isFinite(serverSeconds)) return;
    const local = Date.now();
    if (Math.abs(serverSeconds * 1000 - (local + this.clockOffsetMs)) > CLOCK_RESYNC_THRESHOLD_MS) {
      this.clockOffsetMs = serverSeconds * 1000 - local;
    }
  }

  accountStatus(email: string): Promise<{ exists: boolean }> {
    return this.request('POST', '/account/status', { body: { email } });
  }

  /** v2 when the account has complete v2 credentials, else v1 (PROTOCOL.md §1.3). */
  private async credentials(email: string, password: string): Promise<StretchedPassword & { version: 1 | 2 }> {
    try {
      const status = await this.request<{ currentVersion: string; clientSalt?: string; upgradeNeeded?: boolean }>(
        'POST',
        '/account/credentials/status',
        { body: { email } },
      );
      if (status.currentVersion === 'v2' && status.clientSalt && !status.upgradeNeeded) {
        return { ...(await quickStretchV2(password, status.clientSalt)), version: 2 };
      }
    } catch (err) {
      if (!(err instanceof ApiError) || err.errno !== ERRNO.UNKNOWN_ACCOUNT) throw err;
    }
    return { ...(await quickStretchV1(email, password)), version: 1 };
  }

  /** POST /account/login?keys=true, retrying once with the sign-up address on errno 120. */
  async signIn(email: string, password: string, extra: Record<string, unknown> = {}): Promise<SignedIn> {
    const attempt = async (stretched: StretchedPassword, body: Record<string, unknown>) => {
      const response = await this.request<LoginResponse>('POST', '/account/login', {
        query: { keys: 'true' },
        body: { email, authPW: toHex(stretched.authPW), verificationMethod: 'email-otp', ...extra, ...body },
      });
      return signedIn(email, response, stretched);
    };
    const credentials = await this.credentials(email, password);
    try {
      return await attempt(credentials, {});
    } catch (err) {
      const signupEmail = err instanceof ApiError && err.errno === ERRNO.INCORRECT_EMAIL_CASE ? err.body.email : undefined;
      if (typeof signupEmail !== 'string' || credentials.version === 2) throw err;
      return attempt(await quickStretchV1(signupEmail, password), { originalLoginEmail: email });
    }
  }

  /** POST /account/create?keys=true with v1 credentials; the sign-up code is mailed as 6 digits. */
  async signUp(email: string, password: string, extra: Record<string, unknown> = {}): Promise<SignedIn> {
    const stretched = await quickStretchV1(email, password);
    const response = await this.request<LoginResponse>('POST', '/account/create', {
      query: { keys: 'true' },
      body: { email, authPW: toHex(stretched.authPW), verificationMethod: 'email-otp', ...extra },
    });
    return signedIn(email, { ...response, verified: false }, stretched);
  }

  verifySessionCode(sessionToken: string, code: string, service?: string): Promise<object> {
    return this.request('POST', '/session/verify_code', {
      token: { kind: 'sessionToken', data: sessionToken },
      body: service ? { code, service } : { code },
    });
  }

  resendSessionCode(sessionToken: string): Promise<object> {
    return this.request('POST', '/session/resend_code', { token: { kind: 'sessionToken', data: sessionToken }, body: {} });
  }

  recoveryEmailStatus(
    sessionToken: string,
  ): Promise<{ email: string; verified: boolean; sessionVerified?: boolean; emailVerified?: boolean }> {
    return this.request('GET', '/recovery_email/status', { token: { kind: 'sessionToken', data: sessionToken } });
  }

  sessionDestroy(sessionToken: string): Promise<object> {
    return this.request('POST', '/session/destroy', { token: { kind: 'sessionToken', data: sessionToken }, body: {} });
  }

  /** kA and kB (hex), once the session is confirmed. */
  async accountKeys(keyFetchToken: string, unwrapBKey: string): Promise<{ kA: string; kB: string }> {
    const { bundle } = await this.request<{ bundle: string }>('GET', '/account/keys', {
      token: { kind: 'keyFetchToken', data: keyFetchToken },
    });
    const { kA, kB } = await unwrapAccountKeys(fromHex(keyFetchToken), bundle, fromHex(unwrapBKey));
    return { kA: toHex(kA), kB: toHex(kB) };
  }

  /** The code of a mailed link (sign-up or sign-in confirmation). */
  verifyLinkCode(body: { uid: string; code: string; service?: string; reminder?: string; type?: string }): Promise<object> {
    return this.request('POST', '/recovery_email/verify_code', { body });
  }

  rejectUnblockCode(uid: string, unblockCode: string): Promise<object> {
    return this.request('POST', '/account/login/reject_unblock_code', { body: { uid, unblockCode } });
  }

  sendUnblockCode(email: string): Promise<object> {
    return this.request('POST', '/account/login/send_unblock_code', { body: { email } });
  }

  /** What each keyed scope's key derives from, for this session's account. */
  scopedKeyData(sessionToken: string, clientId: string, scope: string): Promise<Record<string, ScopedKeyData>> {
    return this.request('POST', '/account/scoped-key-data', {
      token: { kind: 'sessionToken', data: sessionToken },
      body: { client_id: clientId, scope },
    });
  }

  /** The public facts of an OAuth client (its name for "to continue to …"). */
  oauthClient(clientId: string): Promise<{ name: string; redirect_uri?: string; trusted?: boolean }> {
    return this.request('GET', `/oauth/client/${encodeURIComponent(clientId)}`);
  }

  /** A code for the app, authorized by the session; `redirect` is where the browser goes next. */
  oauthAuthorization(sessionToken: string, body: OAuthRequest): Promise<{ code: string; state: string; redirect: string }> {
    return this.request('POST', '/oauth/authorization', { token: { kind: 'sessionToken', data: sessionToken }, body });
  }

  verifyPush(sessionToken: string, body: { code: string; tokenVerificationId: string }): Promise<object> {
    return this.request('POST', '/session/verify/verify_push', { token: { kind: 'sessionToken', data: sessionToken }, body });
  }
}

/** The fields of an authorization request the pages pass on to /oauth/authorization. */
export interface OAuthRequest {
  client_id: string;
  state: string;
  scope: string;
  response_type?: string;
  redirect_uri?: string;
  access_type?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  keys_jwe?: string;
  acr_values?: string;
}

interface LoginResponse {
  uid: string;
  sessionToken: string;
  keyFetchToken?: string;
  keyFetchTokenVersion2?: string;
  verified: boolean;
  verificationMethod?: string;
}

function signedIn(email: string, response: LoginResponse, stretched: StretchedPassword): SignedIn {
  const keyFetchToken = response.keyFetchTokenVersion2 ?? response.keyFetchToken;
  return {
    uid: response.uid,
    email,
    sessionToken: response.sessionToken,
    verified: response.verified,
    keyFetchToken,
    unwrapBKey: keyFetchToken ? toHex(stretched.unwrapBKey) : undefined,
    verificationMethod: response.verificationMethod,
  };
}
