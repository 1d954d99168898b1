// Mozilla's `fxa-js-client` (npm, 1.0.25): a client we did not write, used by the interop tests.
// The package ships no types, so this declares the small part of its API the tests call. It is
// CommonJS and resolves promises with the parsed JSON body; it rejects with the FxA error body
// itself (a plain object with `errno`, `code`, ...), not with an Error.

import { createRequire } from 'node:module';

export interface FxaJsSignUpOptions {
  keys?: boolean;
  service?: string;
  lang?: string;
  verificationMethod?: string;
}

export interface FxaJsSignInOptions {
  keys?: boolean;
  service?: string;
  reason?: string;
  verificationMethod?: string;
  unblockCode?: string;
  /** Set by the client itself when it retries after errno 120. */
  skipCaseError?: boolean;
  originalLoginEmail?: string;
}

export interface FxaJsSignUpResponse {
  uid: string;
  sessionToken: string;
  keyFetchToken?: string;
  authAt: number;
  verificationMethod?: string;
  /** Added by the client when `keys: true`: hex of the v1 unwrapBKey. */
  unwrapBKey?: string;
}

export interface FxaJsSignInResponse {
  uid: string;
  sessionToken: string;
  keyFetchToken?: string;
  verified: boolean;
  authAt: number;
  emailVerified?: boolean;
  sessionVerified?: boolean;
  verificationMethod?: string;
  verificationReason?: string;
  unwrapBKey?: string;
}

export interface FxaJsClient {
  signUp(email: string, password: string, options?: FxaJsSignUpOptions): Promise<FxaJsSignUpResponse>;
  signIn(email: string, password: string, options?: FxaJsSignInOptions): Promise<FxaJsSignInResponse>;
  verifyCode(uid: string, code: string, options?: { service?: string }): Promise<Record<string, never>>;
  recoveryEmailStatus(
    sessionToken: string,
  ): Promise<{ email: string; verified: boolean; sessionVerified?: boolean; emailVerified?: boolean }>;
  accountKeys(keyFetchToken: string, unwrapBKey: string): Promise<{ kA: string; kB: string }>;
  accountStatus(uid: string): Promise<{ exists: boolean }>;
  accountStatusByEmail(email: string): Promise<{ exists: boolean }>;
  accountDestroy(
    email: string,
    password: string,
    options?: { skipCaseError?: boolean },
    sessionToken?: string,
  ): Promise<Record<string, never>>;
  sessionStatus(sessionToken: string): Promise<{ state: string; uid: string }>;
  sessionDestroy(sessionToken: string, options?: { customSessionToken?: string }): Promise<Record<string, never>>;
  /** Its transport; `_localtimeOffsetMsec` is the clock offset it learned from an errno 111 `serverTime`. */
  readonly request: { _localtimeOffsetMsec?: number };
}

export interface FxaJsClientConfig {
  /** Initial offset added to the local clock when signing Hawk requests (the client re-learns it on errno 111). */
  localtimeOffsetMsec?: number;
}

/** How fxa-js-client rejects: the server's error body, or `{ errno: 999, ... }` for transport failures. */
export interface FxaJsError {
  code?: number;
  errno: number;
  error?: string;
  message?: string;
  [field: string]: unknown;
}

type FxaJsClientConstructor = new (uri: string, config?: FxaJsClientConfig) => FxaJsClient;

const require = createRequire(import.meta.url);
const FxAccountClient = require('fxa-js-client') as FxaJsClientConstructor;

/** sjcl's bit arrays, opaque here. */
export type BitArray = number[] & { readonly __sjclBitArray?: never };

/** The library's own crypto modules (client/lib/*), run on whatever `sjcl` npm resolved. */
export interface FxaJsInternals {
  credentials: {
    setup(email: string, password: string): Promise<{ emailUTF8: string; authPW: BitArray; unwrapBKey: BitArray }>;
    unbundleKeyFetchResponse(bundleKeyHex: string, bundleHex: string): Promise<{ kA: string; wrapKB: string }>;
  };
  hawkCredentials(
    tokenHex: string,
    context: string,
    size: number,
  ): Promise<{ algorithm: 'sha256'; id: string; key: BitArray; bundleKey: BitArray }>;
  hawk: {
    client: {
      header(
        uri: string,
        method: string,
        options: {
          credentials: { id: string; key: BitArray; algorithm: string };
          timestamp?: number;
          nonce?: string;
          payload?: string | null;
          contentType?: string;
        },
      ): { field: string; artifacts: { hash?: string }; err?: string };
    };
  };
  sjcl: { version: string; codec: { hex: { fromBits(bits: BitArray): string } } };
}

/** Loads fxa-js-client's crypto modules and the sjcl build it resolves to. */
export function fxaJsInternals(): FxaJsInternals {
  const fromLibrary = createRequire(require.resolve('fxa-js-client'));
  const sjclRoot = fromLibrary.resolve('sjcl/package.json');
  return {
    credentials: fromLibrary('../client/lib/credentials.js') as FxaJsInternals['credentials'],
    hawkCredentials: fromLibrary('../client/lib/hawkCredentials.js') as FxaJsInternals['hawkCredentials'],
    hawk: fromLibrary('../client/lib/hawk.js') as FxaJsInternals['hawk'],
    sjcl: {
      version: (fromLibrary(sjclRoot) as { version: string }).version,
      codec: (fromLibrary('sjcl') as Pick<FxaJsInternals['sjcl'], 'codec'>).codec,
    },
  };
}

/** A client for `baseUrl` (with or without the trailing `/v1`: the library appends it when missing). */
export function createFxaJsClient(baseUrl: string, config: FxaJsClientConfig = {}): FxaJsClient {
  return new FxAccountClient(baseUrl, config);
}

/** Awaits a call that must fail and returns what fxa-js-client rejected with. */
export async function fxaJsError(call: Promise<unknown>): Promise<FxaJsError> {
  let outcome: unknown;
  try {
    outcome = await call;
  } catch (error) {
    if (typeof error === 'object' && error !== null && typeof (error as { errno?: unknown }).errno === 'number') {
      return error as FxaJsError;
    }
    throw error;
  }
  throw new Error(`expected fxa-js-client to reject, it resolved with ${JSON.stringify(outcome)}`);
}
