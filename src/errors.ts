// The FxA errno table (api-swagger.json "Defined errors") and the one error type
// every layer throws. The HTTP layer renders AppError; nothing else builds error bodies.

import { STATUS_CODES } from 'node:http';

export interface ErrnoEntry {
  status: number;
  message: string;
}

export const ERRNO = {
  DATABASE_PATCH_LEVEL: 100,
  ACCOUNT_EXISTS: 101,
  UNKNOWN_ACCOUNT: 102,
  INCORRECT_PASSWORD: 103,
  UNVERIFIED_ACCOUNT: 104,
  INVALID_VERIFICATION_CODE: 105,
  INVALID_JSON: 106,
  INVALID_PARAMETER: 107,
  MISSING_PARAMETER: 108,
  INVALID_REQUEST_SIGNATURE: 109,
  INVALID_TOKEN: 110,
  INVALID_TIMESTAMP: 111,
  MISSING_CONTENT_LENGTH: 112,
  REQUEST_TOO_LARGE: 113,
  THROTTLED: 114,
  INVALID_NONCE: 115,
  ENDPOINT_NOT_SUPPORTED: 116,
  INCORRECT_EMAIL_CASE: 120,
  DEVICE_UNKNOWN: 123,
  DEVICE_CONFLICT: 124,
  REQUEST_BLOCKED: 125,
  ACCOUNT_RESET: 126,
  INVALID_UNBLOCK_CODE: 127,
  INVALID_PHONE_NUMBER: 129,
  INVALID_REGION: 130,
  INVALID_MESSAGE_ID: 131,
  MESSAGE_REJECTED: 132,
  BOUNCE_COMPLAINT: 133,
  BOUNCE_HARD: 134,
  BOUNCE_SOFT: 135,
  EMAIL_EXISTS: 136,
  EMAIL_DELETE_PRIMARY: 137,
  SESSION_UNVERIFIED: 138,
  USER_PRIMARY_EMAIL_EXISTS: 139,
  VERIFIED_PRIMARY_EMAIL_EXISTS: 140,
  VERIFIED_SECONDARY_EMAIL_EXISTS: 141,
  LOGIN_WITH_SECONDARY_EMAIL: 142,
  SECONDARY_EMAIL_UNKNOWN: 143,
  VERIFIED_SECONDARY_EMAIL_ALREADY_EXISTS: 144,
  RESET_PASSWORD_WITH_SECONDARY_EMAIL: 145,
  INVALID_SIGNIN_CODE: 146,
  CHANGE_EMAIL_TO_UNVERIFIED_EMAIL: 147,
  CHANGE_EMAIL_TO_UNOWNED_EMAIL: 148,
  LOGIN_WITH_INVALID_EMAIL: 149,
  RESEND_EMAIL_CODE_TO_UNOWNED_EMAIL: 150,
  FAILED_TO_SEND_EMAIL: 151,
  INVALID_TOKEN_VERIFICATION_CODE: 152,
  EXPIRED_TOKEN_VERIFICATION_CODE: 153,
  TOTP_TOKEN_EXISTS: 154,
  TOTP_TOKEN_NOT_FOUND: 155,
  RECOVERY_CODE_NOT_FOUND: 156,
  DEVICE_COMMAND_UNAVAILABLE: 157,
  RECOVERY_KEY_NOT_FOUND: 158,
  RECOVERY_KEY_INVALID: 159,
  TOTP_REQUIRED: 160,
  RECOVERY_KEY_EXISTS: 161,
  UNKNOWN_CLIENT_ID: 162,
  STALE_AUTH_AT: 164,
  REDIS_CONFLICT: 165,
  NOT_PUBLIC_CLIENT: 166,
  INCORRECT_REDIRECT_URI: 167,
  INVALID_RESPONSE_TYPE: 168,
  MISSING_PKCE_PARAMETERS: 169,
  INSUFFICIENT_ACR_VALUES: 170,
  INCORRECT_CLIENT_SECRET: 171,
  UNKNOWN_AUTHORIZATION_CODE: 172,
  MISMATCH_AUTHORIZATION_CODE: 173,
  EXPIRED_AUTHORIZATION_CODE: 174,
  INVALID_PKCE_CHALLENGE: 175,
  UNKNOWN_SUBSCRIPTION_CUSTOMER: 176,
  UNKNOWN_SUBSCRIPTION: 177,
  UNKNOWN_SUBSCRIPTION_PLAN: 178,
  REJECTED_SUBSCRIPTION_PAYMENT_TOKEN: 179,
  SUBSCRIPTION_ALREADY_CANCELLED: 180,
  REJECTED_CUSTOMER_UPDATE: 181,
  REFRESH_TOKEN_UNKNOWN: 182,
  INVALID_EXPIRED_OTP_CODE: 183,
  SUBSCRIPTION_ALREADY_CHANGED: 184,
  INVALID_PLAN_UPDATE: 185,
  PAYMENT_FAILED: 186,
  SUBSCRIPTION_ALREADY_EXISTS: 187,
  UNKNOWN_SUBSCRIPTION_FOR_SOURCE: 188,
  BILLING_AGREEMENT_EXISTS: 192,
  MISSING_PAYPAL_PAYMENT_TOKEN: 193,
  MISSING_PAYPAL_BILLING_AGREEMENT: 194,
  ACCOUNT_HAS_ACTIVE_SUBSCRIPTION: 195,
  INVALID_INVOICE_TOKEN: 196,
  IAP_INTERNAL_OTHER: 197,
  IAP_UNKNOWN_APPNAME: 198,
  INVALID_PROMOTION_CODE: 199,
  SERVER_BUSY: 201,
  FEATURE_NOT_ENABLED: 202,
  BACKEND_SERVICE_FAILURE: 203,
  DISABLED_CLIENT_ID: 204,
  THIRD_PARTY_ACCOUNT_ERROR: 205,
  CANNOT_CREATE_PASSWORD: 206,
  ACCOUNT_CREATION_REJECTED: 207,
  IAP_PURCHASE_ALREADY_REGISTERED: 208,
  INSUFFICIENT_AAL: 222,
  INTERNAL_VALIDATION_ERROR: 998,
  UNEXPECTED_ERROR: 999,
} as const;

export type Errno = (typeof ERRNO)[keyof typeof ERRNO];

// Status and default message per errno, from the swagger's table.
export const ERRNO_TABLE: Record<Errno, ErrnoEntry> = {
  100: { status: 400, message: 'Incorrect Database Patch Level' },
  101: { status: 400, message: 'Account already exists' },
  102: { status: 400, message: 'Unknown account' },
  103: { status: 400, message: 'Incorrect password' },
  104: { status: 400, message: 'Unconfirmed account' },
  105: { status: 400, message: 'Invalid confirmation code' },
  106: { status: 400, message: 'Invalid JSON in request body' },
  107: { status: 400, message: 'Invalid parameter in request body' },
  108: { status: 400, message: 'Missing parameter in request body' },
  109: { status: 401, message: 'Invalid request signature' },
  110: { status: 401, message: 'Invalid authentication token in request signature' },
  111: { status: 401, message: 'Invalid timestamp in request signature' },
  112: { status: 411, message: 'Missing content-length header' },
  113: { status: 413, message: 'Request body too large' },
  114: { status: 429, message: 'Client has sent too many requests' },
  115: { status: 401, message: 'Invalid nonce in request signature' },
  116: { status: 410, message: 'This endpoint is no longer supported' },
  120: { status: 400, message: 'Incorrect email case' },
  123: { status: 400, message: 'Unknown device' },
  124: { status: 400, message: 'Session already registered by another device' },
  125: { status: 400, message: 'The request was blocked for security reasons' },
  126: { status: 400, message: 'Account must be reset' },
  127: { status: 400, message: 'Invalid unblock code' },
  129: { status: 400, message: 'Invalid phone number' },
  130: { status: 400, message: 'Invalid region' },
  131: { status: 400, message: 'Invalid message id' },
  132: { status: 500, message: 'Message rejected' },
  133: { status: 400, message: 'Email account sent complaint' },
  134: { status: 400, message: 'Email account hard bounced' },
  135: { status: 400, message: 'Email account soft bounced' },
  136: { status: 400, message: 'Email already exists' },
  137: { status: 400, message: 'Can not delete primary email' },
  138: { status: 400, message: 'Unverified session' },
  139: { status: 400, message: 'Can not add secondary email that is same as your primary' },
  140: { status: 400, message: 'Email already exists' },
  141: { status: 400, message: 'Email already exists' },
  142: { status: 400, message: 'Sign in with this email type is not currently supported' },
  143: { status: 400, message: 'Unknown email' },
  144: { status: 400, message: 'Email already exists' },
  145: { status: 400, message: 'Reset password with this email type is not currently supported' },
  146: { status: 400, message: 'Invalid signin code' },
  147: { status: 400, message: 'Can not change primary email to an unverified email' },
  148: { status: 400, message: 'Can not change primary email to an email that does not belong to this account' },
  149: { status: 400, message: 'This email can not currently be used to login' },
  150: { status: 400, message: 'Can not resend email code to an email that does not belong to this account' },
  151: { status: 422, message: 'Failed to send email' },
  152: { status: 400, message: 'Invalid token confirmation code' },
  153: { status: 400, message: 'Expired token confirmation code' },
  154: { status: 400, message: 'TOTP token already exists for this account.' },
  155: { status: 400, message: 'TOTP token not found.' },
  156: { status: 400, message: 'Backup authentication code not found.' },
  157: { status: 400, message: 'Unavailable device command.' },
  158: { status: 400, message: 'Account recovery key not found.' },
  159: { status: 400, message: 'Account recovery key is not valid.' },
  160: { status: 400, message: 'This request requires two step authentication enabled on your account.' },
  161: { status: 400, message: 'Account recovery key already exists.' },
  162: { status: 400, message: 'Unknown client_id' },
  164: { status: 400, message: 'Stale auth timestamp' },
  165: { status: 409, message: 'Redis WATCH detected a conflicting update' },
  166: { status: 400, message: 'Not a public client' },
  167: { status: 400, message: 'Incorrect redirect URI' },
  168: { status: 400, message: 'Invalid response_type' },
  169: { status: 400, message: 'Public clients require PKCE OAuth parameters' },
  170: { status: 400, message: 'Required Authentication Context Reference values could not be satisfied' },
  171: { status: 400, message: 'Incorrect client_secret' },
  172: { status: 400, message: 'Unknown authorization code' },
  173: { status: 400, message: 'Mismatched authorization code' },
  174: { status: 400, message: 'Expired authorization code' },
  175: { status: 400, message: 'Public clients require PKCE OAuth parameters' },
  176: { status: 404, message: 'Unknown customer' },
  177: { status: 404, message: 'Unknown subscription' },
  178: { status: 400, message: 'Unknown subscription plan' },
  179: { status: 400, message: 'Subscription payment token rejected' },
  180: { status: 400, message: 'Subscription has already been cancelled' },
  181: { status: 400, message: 'Customer update rejected' },
  182: { status: 400, message: 'Unknown refresh token' },
  183: { status: 400, message: 'Invalid or expired confirmation code' },
  184: { status: 400, message: 'Subscription has already been cancelled' },
  185: { status: 400, message: 'Subscription plan is not a valid update' },
  186: { status: 400, message: 'Payment method failed' },
  187: { status: 409, message: 'User already subscribed' },
  188: { status: 500, message: 'Failed to find a subscription associated with Stripe source' },
  192: { status: 400, message: 'Billing agreement already on file for this customer' },
  193: { status: 400, message: 'PayPal payment token is missing' },
  194: { status: 400, message: 'PayPal billing agreement is missing for the existing subscriber' },
  195: { status: 400, message: 'Account for this email has an active subscription' },
  196: { status: 400, message: 'Invalid token' },
  197: { status: 500, message: 'IAP Internal Error' },
  198: { status: 404, message: 'Unknown app name' },
  199: { status: 400, message: 'Invalid promotion code' },
  201: { status: 503, message: 'Service unavailable' },
  202: { status: 503, message: 'Feature not enabled' },
  203: { status: 500, message: 'A backend service request failed.' },
  204: { status: 503, message: 'This client has been temporarily disabled' },
  205: { status: 500, message: 'Could not login with third party account, please try again later' },
  206: { status: 400, message: 'Can not create password, password already set.' },
  207: { status: 400, message: 'Account creation rejected.' },
  208: { status: 403, message: 'Purchase has been registered to another user.' },
  222: { status: 400, message: 'Insufficient AAL' },
  998: { status: 500, message: 'An internal validation check failed.' },
  999: { status: 500, message: 'Unspecified error' },
};

export const ERROR_INFO_URL = 'https://mozilla.github.io/ecosystem-platform/api#section/Response-format';

export interface AppErrorOptions {
  /** Overrides the table's HTTP status (e.g. 404 for an unknown route, which FxA sends as errno 999). */
  status?: number;
  message?: string;
  /** Extra top-level body fields such as `email`, `serverTime`, `retryAfter`. */
  extra?: Record<string, unknown>;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** The underlying failure, logged but never sent to the client. */
  cause?: unknown;
}

export class AppError extends Error {
  readonly errno: Errno;
  readonly status: number;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(errno: Errno, options: AppErrorOptions = {}) {
    const entry = ERRNO_TABLE[errno];
    super(options.message ?? entry.message, { cause: options.cause });
    this.name = 'AppError';
    this.errno = errno;
    this.status = options.status ?? entry.status;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  /** The wire body: {code, errno, error, message, info, ...extra}. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.status,
      errno: this.errno,
      error: STATUS_CODES[this.status] ?? 'Unknown',
      message: this.message,
      info: ERROR_INFO_URL,
      ...this.extra,
    };
  }

  // Constructors for errors that carry extra fields, so callers cannot forget them.

  static accountExists(email: string) {
    return new AppError(ERRNO.ACCOUNT_EXISTS, { extra: { email } });
  }
  static unknownAccount(email?: string) {
    return new AppError(ERRNO.UNKNOWN_ACCOUNT, { extra: email === undefined ? {} : { email } });
  }
  static incorrectPassword(email: string) {
    return new AppError(ERRNO.INCORRECT_PASSWORD, { extra: { email } });
  }
  static incorrectEmailCase(email: string) {
    return new AppError(ERRNO.INCORRECT_EMAIL_CASE, { extra: { email } });
  }
  static mustResetAccount(email: string) {
    return new AppError(ERRNO.ACCOUNT_RESET, { extra: { email } });
  }
  static invalidParameter(source: string, keys: string[], message?: string) {
    return new AppError(ERRNO.INVALID_PARAMETER, { extra: { validation: { source, keys } }, message });
  }
  static missingParameter(param: string) {
    return new AppError(ERRNO.MISSING_PARAMETER, {
      message: `Missing parameter in request body: ${param}`,
      extra: { param },
    });
  }
  static invalidToken(message?: string) {
    return new AppError(ERRNO.INVALID_TOKEN, { message });
  }
  static invalidSignature(message?: string) {
    return new AppError(ERRNO.INVALID_REQUEST_SIGNATURE, { message });
  }
  static invalidTimestamp(serverTimeSeconds: number) {
    return new AppError(ERRNO.INVALID_TIMESTAMP, { extra: { serverTime: serverTimeSeconds } });
  }
  static throttled(retryAfterSeconds: number, extra: Record<string, unknown> = {}) {
    return new AppError(ERRNO.THROTTLED, {
      extra: { retryAfter: retryAfterSeconds, retryAfterLocalized: localizeRetryAfter(retryAfterSeconds), ...extra },
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
  static serverBusy(retryAfterSeconds: number, cause?: unknown) {
    return new AppError(ERRNO.SERVER_BUSY, {
      cause,
      extra: { retryAfter: retryAfterSeconds, retryAfterLocalized: localizeRetryAfter(retryAfterSeconds) },
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
  static unexpected(cause?: unknown) {
    return new AppError(ERRNO.UNEXPECTED_ERROR, { cause });
  }
}

/**
 * The OAuth server's own errno table (OAUTH_AND_PAYMENTS.md §10). The `/v1` OAuth routes
 * (token, authorization, verify, …) answer in it; the session-token twins under `/oauth/*`
 * answer in the auth table above (see `toAuthError`). The numbers overlap on purpose: they
 * are what Mozilla's OAuth clients read.
 */
export const OAUTH_ERRNO = {
  UNKNOWN_CLIENT: 101,
  INCORRECT_SECRET: 102,
  INCORRECT_REDIRECT: 103,
  INVALID_ASSERTION: 104,
  UNKNOWN_CODE: 105,
  MISMATCH_CODE: 106,
  EXPIRED_CODE: 107,
  INVALID_TOKEN: 108,
  INVALID_PARAMETER: 109,
  INVALID_RESPONSE_TYPE: 110,
  UNAUTHORIZED: 111,
  FORBIDDEN: 112,
  INVALID_CONTENT_TYPE: 113,
  INVALID_SCOPES: 114,
  EXPIRED_TOKEN: 115,
  NOT_PUBLIC_CLIENT: 116,
  MISMATCH_CODE_CHALLENGE: 117,
  MISSING_PKCE: 118,
  STALE_AUTH_AT: 119,
  MISMATCH_ACR: 120,
  INVALID_GRANT_TYPE: 121,
  UNKNOWN_TOKEN: 122,
  SERVER_BUSY: 201,
  DISABLED_CLIENT: 202,
  UNEXPECTED_ERROR: 999,
} as const;

export type OAuthErrno = (typeof OAUTH_ERRNO)[keyof typeof OAUTH_ERRNO];

export interface OAuthErrnoEntry extends ErrnoEntry {
  /** The `error` field: FxA's OAuth server does not always send the status text. */
  error: string;
}

const bad = (message: string, error = 'Bad Request'): OAuthErrnoEntry => ({ status: 400, error, message });

export const OAUTH_ERRNO_TABLE: Record<OAuthErrno, OAuthErrnoEntry> = {
  101: bad('Unknown client'),
  102: bad('Incorrect secret'),
  103: bad('Incorrect redirect_uri'),
  104: { status: 401, error: 'Bad Request', message: 'Invalid assertion' },
  105: bad('Unknown code'),
  106: bad('Incorrect code'),
  107: bad('Expired code'),
  108: bad('Invalid token'),
  109: bad('Invalid request parameter'),
  110: bad('Invalid response_type'),
  111: { status: 401, error: 'Unauthorized', message: 'Unauthorized for route' },
  112: { status: 403, error: 'Forbidden', message: 'Forbidden' },
  113: {
    status: 415,
    error: 'Unsupported Media Type',
    message: 'Content-Type must be either application/json or application/x-www-form-urlencoded',
  },
  114: bad('Requested scopes are not allowed', 'Invalid scopes'),
  115: bad('Expired token'),
  116: bad('Not a public client'),
  117: bad('Incorrect code_challenge'),
  118: bad('Public clients require PKCE OAuth parameters', 'PKCE parameters missing'),
  119: { status: 401, error: 'Bad Request', message: 'Stale authentication timestamp' },
  120: bad('Mismatch acr value'),
  121: bad('Invalid grant_type'),
  122: bad('Unknown token'),
  201: { status: 503, error: 'Service Unavailable', message: 'Service unavailable' },
  202: { status: 503, error: 'Client Disabled', message: 'This client has been temporarily disabled' },
  999: { status: 500, error: 'Internal Server Error', message: 'Unspecified error' },
};

/**
 * An error of one of the other servers' errno tables (OAuth, profile), rendered like AppError
 * with the table's `error` text (the standard status text when a status overrides the table's).
 */
abstract class TableError<E extends number> extends Error {
  readonly status: number;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  /** A private field, so that logged errors do not carry the whole table. */
  readonly #table: Record<E, OAuthErrnoEntry>;

  protected constructor(
    table: Record<E, OAuthErrnoEntry>,
    readonly errno: E,
    options: AppErrorOptions,
  ) {
    super(options.message ?? table[errno].message, { cause: options.cause });
    this.#table = table;
    this.status = options.status ?? table[errno].status;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  toJSON(): Record<string, unknown> {
    const entry = this.#table[this.errno];
    return {
      code: this.status,
      errno: this.errno,
      error: this.status === entry.status ? entry.error : (STATUS_CODES[this.status] ?? 'Unknown'),
      message: this.message,
      info: ERROR_INFO_URL,
      ...this.extra,
    };
  }
}

/** An error of the OAuth server's table. */
export class OAuthError extends TableError<OAuthErrno> {
  override name = 'OAuthError';

  constructor(errno: OAuthErrno, options: AppErrorOptions = {}) {
    super(OAUTH_ERRNO_TABLE, errno, options);
  }

  static unknownClient(clientId: string) {
    return new OAuthError(OAUTH_ERRNO.UNKNOWN_CLIENT, { extra: { clientId } });
  }
  static incorrectSecret(clientId: string) {
    return new OAuthError(OAUTH_ERRNO.INCORRECT_SECRET, { extra: { clientId } });
  }
  static incorrectRedirect(redirectUri: string | undefined) {
    return new OAuthError(OAUTH_ERRNO.INCORRECT_REDIRECT, { extra: { redirectUri } });
  }
  static invalidParameter(keys: string[] = []) {
    return new OAuthError(OAUTH_ERRNO.INVALID_PARAMETER, { extra: { validation: { keys } } });
  }
  static invalidScopes(scopes: string) {
    return new OAuthError(OAUTH_ERRNO.INVALID_SCOPES, { extra: { invalidScopes: scopes } });
  }
  static expiredToken(expiredAt: number) {
    return new OAuthError(OAUTH_ERRNO.EXPIRED_TOKEN, { extra: { expiredAt } });
  }
  static notPublicClient(clientId: string) {
    return new OAuthError(OAUTH_ERRNO.NOT_PUBLIC_CLIENT, { extra: { clientId } });
  }
  static disabledClient(clientId: string) {
    return new OAuthError(OAUTH_ERRNO.DISABLED_CLIENT, { extra: { clientId } });
  }
}

/**
 * The profile server's errno table (Mozilla's fxa-profile-server `lib/error.js`). The routes
 * under `/profile/v1` answer in it: an unusable bearer token is 401 errno 100 with its
 * `reason`; an insufficient scope is 403 with errno 999 (hapi's Forbidden, untranslated).
 */
export const PROFILE_ERRNO = {
  UNAUTHORIZED: 100,
  INVALID_PARAMETER: 101,
  UNSUPPORTED_PROVIDER: 102,
  IMAGE_PROCESSING_ERROR: 103,
  OAUTH_SERVER_ERROR: 104,
  AUTH_SERVER_ERROR: 105,
  THROTTLED: 114,
  REQUEST_BLOCKED: 125,
  UNEXPECTED_ERROR: 999,
} as const;

export type ProfileErrno = (typeof PROFILE_ERRNO)[keyof typeof PROFILE_ERRNO];

/** `error` is what Mozilla sends, which is not always the status text (401 says 'Bad Request'). */
export const PROFILE_ERRNO_TABLE: Record<ProfileErrno, OAuthErrnoEntry> = {
  100: { status: 401, error: 'Bad Request', message: 'Unauthorized' },
  101: bad('Invalid request parameter'),
  102: bad('Unsupported image provider'),
  103: { status: 500, error: 'Internal Server Error', message: 'Image processing error' },
  104: { status: 503, error: 'Service Unavailable', message: 'OAuth server error' },
  105: { status: 503, error: 'Service Unavailable', message: 'Auth server error' },
  114: { status: 429, error: 'Too Many Requests', message: 'Client has sent too many requests' },
  125: bad('The request was blocked for security reasons', 'Request blocked'),
  999: { status: 500, error: 'Internal Server Error', message: 'Unspecified error' },
};

/** An error of the profile server's table. */
export class ProfileError extends TableError<ProfileErrno> {
  override name = 'ProfileError';

  constructor(errno: ProfileErrno, options: AppErrorOptions = {}) {
    super(PROFILE_ERRNO_TABLE, errno, options);
  }

  static unauthorized(reason: string) {
    return new ProfileError(PROFILE_ERRNO.UNAUTHORIZED, { extra: { reason } });
  }
  /** The token lacks the scope the route needs. */
  static insufficientScope() {
    return new ProfileError(PROFILE_ERRNO.UNEXPECTED_ERROR, { status: 403, message: 'Insufficient scope' });
  }
}

/**
 * The auth-table errno a session-token twin (`/oauth/*`, `/account/scoped-key-data`) answers
 * for an OAuth failure: FxA's auth server has an errno for each (162 unknown client, 171
 * incorrect secret, …); the rest become 107 (bad request) or 110 (bad token).
 */
const OAUTH_TO_AUTH: Partial<Record<OAuthErrno, Errno>> = {
  101: ERRNO.UNKNOWN_CLIENT_ID,
  102: ERRNO.INCORRECT_CLIENT_SECRET,
  103: ERRNO.INCORRECT_REDIRECT_URI,
  104: ERRNO.INVALID_TOKEN,
  105: ERRNO.UNKNOWN_AUTHORIZATION_CODE,
  106: ERRNO.MISMATCH_AUTHORIZATION_CODE,
  107: ERRNO.EXPIRED_AUTHORIZATION_CODE,
  108: ERRNO.INVALID_TOKEN,
  109: ERRNO.INVALID_PARAMETER,
  110: ERRNO.INVALID_RESPONSE_TYPE,
  111: ERRNO.INVALID_TOKEN,
  114: ERRNO.INVALID_PARAMETER,
  115: ERRNO.INVALID_TOKEN,
  116: ERRNO.NOT_PUBLIC_CLIENT,
  117: ERRNO.INVALID_PKCE_CHALLENGE,
  118: ERRNO.MISSING_PKCE_PARAMETERS,
  119: ERRNO.STALE_AUTH_AT,
  120: ERRNO.INSUFFICIENT_ACR_VALUES,
  121: ERRNO.INVALID_PARAMETER,
  122: ERRNO.REFRESH_TOKEN_UNKNOWN,
  202: ERRNO.DISABLED_CLIENT_ID,
};

/** The errnos `toAuthError` can produce, for the twins' route declarations. */
export const AUTH_ERRNOS_OF_OAUTH: readonly Errno[] = [...new Set(Object.values(OAUTH_TO_AUTH))];

export function toAuthError(err: unknown): unknown {
  if (!(err instanceof OAuthError)) return err;
  const errno = OAUTH_TO_AUTH[err.errno];
  if (errno === undefined) return AppError.unexpected(err);
  return new AppError(errno, { extra: err.extra, headers: err.headers, cause: err });
}

/** Retry-After sent while a dependency (database, Redis) is unreachable. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/**
 * A dependency (the database, Redis) could not be reached or did not answer in time. The
 * HTTP layer answers 503 errno 201 with Retry-After, FxA's back-off signal, so clients wait
 * and retry instead of reporting a failure; the next request tries the dependency again.
 */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: string,
    cause: unknown,
  ) {
    super(`${dependency} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DependencyUnavailableError';
  }
}

/** The DependencyUnavailableError in `err` or its chain of causes, if any. */
export function findUnavailable(err: unknown): DependencyUnavailableError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof DependencyUnavailableError) return e;
  }
  return undefined;
}

/** A short English phrase for a wait, as FxA's `retryAfterLocalized` gives. */
export function localizeRetryAfter(seconds: number): string {
  if (seconds < 60) return 'in a few seconds';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes === 1 ? 'in a minute' : `in ${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours === 1 ? 'in an hour' : `in ${hours} hours`;
}
