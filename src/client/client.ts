import { randomBytes } from 'node:crypto';
import {
  deriveToken,
  makeClientSaltV2,
  quickStretchV1,
  quickStretchV2,
  unbundleAccountKeys,
  xor,
  type RandomBytes,
  type StretchedPassword,
} from '../crypto/index.js';
import type { MetricsContext } from '../protocol/metrics-context.js';
import type { VerificationMethod } from '../protocol/verification.js';
import { ClientError, HttpClient, type HttpClientOptions, type RequestOptions } from './http.js';

export const ERRNO_INCORRECT_EMAIL_CASE = 120;

export type KeyStretchVersion = 1 | 2;
export type { VerificationMethod } from '../protocol/verification.js';
export type { MetricsContext } from '../protocol/metrics-context.js';

export interface ClientOptions extends HttpClientOptions {
  /** Source of kB and clientSalt at v2 signup; default crypto.randomBytes. */
  randomBytes?: RandomBytes;
}

export interface SignUpOptions {
  keys?: boolean;
  version?: KeyStretchVersion;
  service?: string;
  verificationMethod?: VerificationMethod;
  redirectTo?: string;
  resume?: string;
  style?: string;
  metricsContext?: MetricsContext;
  /** Sent as Accept-Language. */
  lang?: string;
}

export interface SignUpResult {
  uid: string;
  sessionToken: string;
  /** For a v2 signup, the server's keyFetchTokenVersion2. */
  keyFetchToken?: string;
  authAt: number;
  verificationMethod?: string;
  /** Unwraps the wrapKb of `keyFetchToken`. */
  unwrapBKey: string;
  keyStretchVersion: KeyStretchVersion;
  /** The kB a v2 client chose; v1 accounts get theirs from the server. */
  kB?: string;
}

export interface SignInOptions {
  keys?: boolean;
  version?: KeyStretchVersion;
  verificationMethod?: VerificationMethod;
  service?: string;
  reason?: string;
  redirectTo?: string;
  resume?: string;
  unblockCode?: string;
  originalLoginEmail?: string;
  metricsContext?: MetricsContext;
}

export interface SignInResult {
  uid: string;
  sessionToken: string;
  keyFetchToken?: string;
  verified: boolean;
  authAt: number;
  metricsEnabled: boolean;
  emailVerified?: boolean;
  sessionVerified?: boolean;
  verificationMethod?: string;
  verificationReason?: string;
  unwrapBKey: string;
  keyStretchVersion: KeyStretchVersion;
}

export type SessionReauthOptions = SignInOptions;
export type SessionReauthResult = Omit<SignInResult, 'sessionToken'>;

export interface AccountDestroyOptions {
  sessionToken?: string;
  version?: KeyStretchVersion;
}

export interface AccountKeys {
  kA: string;
  kB: string;
}

/** GET /account/profile: each field only when the credential may see it. */
export interface AccountProfile {
  email?: string;
  locale?: string;
  authenticationMethods?: string[];
  authenticatorAssuranceLevel?: number;
  accountDisabledAt?: number | null;
  accountLockedAt?: number | null;
  profileChangedAt?: number;
  metricsEnabled?: boolean;
}

export interface SessionStatus {
  state: 'verified' | 'unverified';
  uid: string;
  details?: {
    accountEmailVerified: boolean;
    sessionVerificationMethod: string | null;
    sessionVerified: boolean;
    sessionVerificationMeetsMinimumAAL: boolean;
  };
}

export interface SessionDuplicateResult {
  uid: string;
  sessionToken: string;
  authAt: number;
  verified: boolean;
  verificationMethod?: string;
  verificationReason?: string;
}

export interface RecoveryEmailStatus {
  email: string;
  verified: boolean;
  sessionVerified?: boolean;
  emailVerified?: boolean;
}

export interface VerifyCodeOptions {
  service?: string;
  reminder?: 'first' | 'second' | 'final';
  type?: string;
  style?: string;
  marketingOptIn?: boolean;
  newsletters?: string[];
}

export interface AccountStatus {
  exists: boolean;
  locale?: string;
  hasPassword?: boolean;
  hasLinkedAccount?: boolean;
  invalidDomain?: boolean;
}

export interface CredentialsStatus {
  currentVersion: 'v1' | 'v2';
  clientSalt?: string;
  upgradeNeeded: boolean;
}

/** `GET /account`: subscriptions plus whatever else the server reports. */
export interface AccountInfo {
  subscriptions?: unknown[];
  [field: string]: unknown;
}

type EmptyResponse = Record<string, never>;

export interface OAuthAuthorizationRequest {
  client_id: string;
  state: string;
  scope: string;
  response_type?: 'code';
  redirect_uri?: string;
  access_type?: 'online' | 'offline';
  code_challenge?: string;
  code_challenge_method?: 'S256';
  keys_jwe?: string;
  acr_values?: string;
}

export interface OAuthAuthorizationResult {
  code: string;
  state: string;
  redirect: string;
  scope: string;
}

export interface OAuthTokenResult {
  access_token: string;
  token_type: 'bearer';
  scope: string;
  expires_in: number;
  auth_at?: number;
  refresh_token?: string;
  id_token?: string;
  keys_jwe?: string;
  /** With the `https://identity.mozilla.com/tokens/session` scope: a new session token (hex). */
  session_token?: string;
}

export type ScopedKeyData = Record<string, { identifier: string; keyRotationSecret: string; keyRotationTimestamp: number }>;

/** Credentials one password attempt sends: which stretch produced authPW and its unwrapBKey. */
interface PasswordCredentials extends StretchedPassword {
  keyStretchVersion: KeyStretchVersion;
}

interface LoginResponse extends Omit<SignInResult, 'unwrapBKey' | 'keyStretchVersion'> {
  keyFetchTokenVersion2?: string;
}

interface SignUpResponse extends Omit<SignUpResult, 'unwrapBKey' | 'keyStretchVersion' | 'kB'> {
  keyFetchTokenVersion2?: string;
}

/** Our onepw client: stretches passwords, signs requests and unwraps keys. */
export class AuthClient {
  readonly http: HttpClient;
  private readonly randomBytes: RandomBytes;

  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.http = new HttpClient(baseUrl, options);
    this.randomBytes = options.randomBytes ?? randomBytes;
  }

  request<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return this.http.request<T>(method, path, options);
  }

  async signUp(email: string, password: string, options: SignUpOptions = {}): Promise<SignUpResult> {
    const { keys, version = 1, lang, ...bodyOptions } = options;
    const v1 = await quickStretchV1(email, password);
    const v2Fields = version === 2 ? await this.v2PasswordFields(password, v1) : undefined;
    const response = await this.request<SignUpResponse>('POST', '/account/create', {
      query: keysQuery(keys),
      headers: lang ? { 'accept-language': lang } : undefined,
      body: { email, authPW: hex(v1.authPW), ...v2Fields?.body, ...bodyOptions },
    });
    const { keyFetchTokenVersion2, keyFetchToken, ...rest } = response;
    // A v1 keyFetchToken alone bundles the v1 wrapKb, whatever this client sent.
    const usesV2Keys = v2Fields !== undefined && (keyFetchTokenVersion2 !== undefined || keyFetchToken === undefined);
    return {
      ...rest,
      keyFetchToken: keyFetchTokenVersion2 ?? keyFetchToken,
      unwrapBKey: hex(usesV2Keys ? v2Fields.unwrapBKey : v1.unwrapBKey),
      keyStretchVersion: usesV2Keys ? 2 : 1,
      kB: v2Fields && hex(v2Fields.kB),
    };
  }

  async signIn(email: string, password: string, options: SignInOptions = {}): Promise<SignInResult> {
    const { keys, version = 1, ...bodyOptions } = options;
    return this.withEmailCaseRetry(email, password, version, bodyOptions, async (credentials, body) => {
      const response = await this.request<LoginResponse>('POST', '/account/login', {
        query: keysQuery(keys),
        body: { email, authPW: hex(credentials.authPW), ...body },
      });
      return withUnwrapKey(response, credentials);
    });
  }

  async sessionReauth(
    sessionToken: string,
    email: string,
    password: string,
    options: SessionReauthOptions = {},
  ): Promise<SessionReauthResult> {
    const { keys, version = 1, ...bodyOptions } = options;
    return this.withEmailCaseRetry(email, password, version, bodyOptions, async (credentials, body) => {
      const response = await this.request<Omit<LoginResponse, 'sessionToken'>>('POST', '/session/reauth', {
        token: sessionAuth(sessionToken),
        query: keysQuery(keys),
        body: { email, authPW: hex(credentials.authPW), ...body },
      });
      return withUnwrapKey(response, credentials);
    });
  }

  async accountDestroy(email: string, password: string, options: AccountDestroyOptions = {}): Promise<EmptyResponse> {
    const { sessionToken, version = 1 } = options;
    return this.withEmailCaseRetry(email, password, version, {}, (credentials) =>
      this.request<EmptyResponse>('POST', '/account/destroy', {
        token: sessionToken === undefined ? undefined : sessionAuth(sessionToken),
        body: { email, authPW: hex(credentials.authPW) },
      }),
    );
  }

  /** Fetches and unbundles kA‖wrapKb, then unwraps kB with the unwrapBKey paired with the token. */
  async accountKeys(keyFetchToken: string, unwrapBKey: string): Promise<AccountKeys> {
    const { bundle } = await this.request<{ bundle: string }>('GET', '/account/keys', {
      token: { kind: 'keyFetchToken', tokenData: keyFetchToken },
    });
    const { bundleKey } = deriveToken('keyFetchToken', Buffer.from(keyFetchToken, 'hex'));
    const { kA, wrapKb } = unbundleAccountKeys(bundleKey, Buffer.from(bundle, 'hex'));
    return { kA: hex(kA), kB: hex(xor(wrapKb, Buffer.from(unwrapBKey, 'hex'))) };
  }

  credentialsStatus(email: string): Promise<CredentialsStatus> {
    return this.request('POST', '/account/credentials/status', { body: { email } });
  }

  accountStatus(uid: string): Promise<AccountStatus> {
    return this.request('GET', '/account/status', { query: { uid } });
  }

  accountStatusByEmail(email: string, options: { thirdPartyAuthStatus?: boolean } = {}): Promise<AccountStatus> {
    return this.request('POST', '/account/status', { body: { email, ...options } });
  }

  account(sessionToken: string): Promise<AccountInfo> {
    return this.request('GET', '/account', { token: sessionAuth(sessionToken) });
  }

  /** GET /account/profile with the session (an OAuth access token works too: `Authorization: Bearer <token>`). */
  accountProfile(sessionToken: string): Promise<AccountProfile> {
    return this.request('GET', '/account/profile', { token: sessionAuth(sessionToken) });
  }

  sessionStatus(sessionToken: string): Promise<SessionStatus> {
    return this.request('GET', '/session/status', { token: sessionAuth(sessionToken) });
  }

  sessionDestroy(sessionToken: string, options: { customSessionToken?: string } = {}): Promise<EmptyResponse> {
    return this.request('POST', '/session/destroy', { token: sessionAuth(sessionToken), body: options });
  }

  sessionDuplicate(sessionToken: string, options: { reason?: string } = {}): Promise<SessionDuplicateResult> {
    return this.request('POST', '/session/duplicate', { token: sessionAuth(sessionToken), body: options });
  }

  recoveryEmailStatus(sessionToken: string): Promise<RecoveryEmailStatus> {
    return this.request('GET', '/recovery_email/status', { token: sessionAuth(sessionToken) });
  }

  /** Link verification with the code mailed as `X-Verify-Code`. */
  verifyCode(uid: string, code: string, options: VerifyCodeOptions = {}): Promise<EmptyResponse> {
    return this.request('POST', '/recovery_email/verify_code', { body: { uid, code, ...options } });
  }

  /** Verifies a session (and an unverified account) with the emailed 6-digit code. */
  sessionVerifyCode(sessionToken: string, code: string, options: { service?: string } = {}): Promise<EmptyResponse> {
    return this.request('POST', '/session/verify_code', { token: sessionAuth(sessionToken), body: { code, ...options } });
  }

  sessionResendCode(sessionToken: string): Promise<EmptyResponse> {
    return this.request('POST', '/session/resend_code', { token: sessionAuth(sessionToken), body: {} });
  }

  /** Asks the account's other desktop Firefox devices, by Web Push, to approve this (unconfirmed) sign-in. */
  sessionVerifySendPush(sessionToken: string): Promise<EmptyResponse> {
    return this.request('POST', '/session/verify/send_push', { token: sessionAuth(sessionToken), body: {} });
  }

  /** Approves another sign-in of the account with the code and tokenVerificationId its push carried. */
  sessionVerifyPush(sessionToken: string, body: { code: string; tokenVerificationId: string }): Promise<EmptyResponse> {
    return this.request('POST', '/session/verify/verify_push', { token: sessionAuth(sessionToken), body });
  }

  getRandomBytes(): Promise<{ data: string }> {
    return this.request('POST', '/get_random_bytes');
  }

  /** POST /oauth/authorization: a code for `client_id`, authorized by the session (Firefox's and our pages' path). */
  oauthAuthorization(sessionToken: string, body: OAuthAuthorizationRequest): Promise<OAuthAuthorizationResult> {
    return this.request('POST', '/oauth/authorization', { token: sessionAuth(sessionToken), body });
  }

  /** POST /oauth/token: with a session for `fxa-credentials`, or without one for codes and refresh tokens. */
  oauthToken(body: Record<string, unknown>, sessionToken?: string): Promise<OAuthTokenResult> {
    return this.request('POST', '/oauth/token', { token: sessionToken ? sessionAuth(sessionToken) : undefined, body });
  }

  /** POST /account/scoped-key-data: what to derive each keyed scope's key from. */
  scopedKeyData(sessionToken: string, body: { client_id: string; scope: string }): Promise<ScopedKeyData> {
    return this.request('POST', '/account/scoped-key-data', { token: sessionAuth(sessionToken), body });
  }

  /**
   * Runs a password-authenticated call and, on errno 120, retries it once with the
   * signup email the server returned as the v1 salt and the typed address as
   * `originalLoginEmail` (docs/protocol.md §10.2). v2 credentials do not depend on the
   * email, so a 120 after a v2 attempt is final.
   */
  private async withEmailCaseRetry<T, B extends { originalLoginEmail?: string }>(
    email: string,
    password: string,
    version: KeyStretchVersion,
    body: B,
    attempt: (credentials: PasswordCredentials, body: B) => Promise<T>,
  ): Promise<T> {
    const credentials = await this.passwordCredentials(email, password, version);
    try {
      return await attempt(credentials, body);
    } catch (err) {
      const signupEmail = incorrectEmailCaseSalt(err);
      if (signupEmail === undefined || credentials.keyStretchVersion === 2) throw err;
      const retried = { ...(await quickStretchV1(signupEmail, password)), keyStretchVersion: 1 as const };
      return attempt(retried, { ...body, originalLoginEmail: body.originalLoginEmail ?? email });
    }
  }

  /** v2 stretches with the stored clientSalt when the account has complete v2 credentials; otherwise v1. */
  private async passwordCredentials(email: string, password: string, version: KeyStretchVersion): Promise<PasswordCredentials> {
    if (version === 2) {
      const status = await this.credentialsStatus(email);
      if (status.currentVersion === 'v2' && status.clientSalt && !status.upgradeNeeded) {
        return { ...(await quickStretchV2(password, status.clientSalt)), keyStretchVersion: 2 };
      }
    }
    return { ...(await quickStretchV1(email, password)), keyStretchVersion: 1 };
  }

  /** Both credential sets wrap one client-chosen kB (docs/protocol.md §1.3). */
  private async v2PasswordFields(password: string, v1: StretchedPassword) {
    const clientSalt = makeClientSaltV2(this.randomBytes(16));
    const v2 = await quickStretchV2(password, clientSalt);
    const kB = this.randomBytes(32);
    return {
      kB,
      unwrapBKey: v2.unwrapBKey,
      body: {
        wrapKb: hex(xor(kB, v1.unwrapBKey)),
        authPWVersion2: hex(v2.authPW),
        wrapKbVersion2: hex(xor(kB, v2.unwrapBKey)),
        clientSalt,
      },
    };
  }
}

function withUnwrapKey<R extends { keyFetchToken?: string; keyFetchTokenVersion2?: string }>(
  response: R,
  credentials: PasswordCredentials,
): Omit<R, 'keyFetchTokenVersion2'> & { unwrapBKey: string; keyStretchVersion: KeyStretchVersion } {
  const { keyFetchTokenVersion2, ...rest } = response;
  return {
    ...rest,
    keyFetchToken: keyFetchTokenVersion2 ?? response.keyFetchToken,
    unwrapBKey: hex(credentials.unwrapBKey),
    keyStretchVersion: credentials.keyStretchVersion,
  };
}

function incorrectEmailCaseSalt(err: unknown): string | undefined {
  if (!(err instanceof ClientError) || err.errno !== ERRNO_INCORRECT_EMAIL_CASE) return undefined;
  return typeof err.body.email === 'string' ? err.body.email : undefined;
}

function sessionAuth(sessionToken: string) {
  return { kind: 'sessionToken' as const, tokenData: sessionToken };
}

function keysQuery(keys: boolean | undefined): RequestOptions['query'] {
  return keys ? { keys: 'true' } : undefined;
}

function hex(bytes: Buffer): string {
  return bytes.toString('hex');
}
