// How a sign-in asks to be confirmed (the `verificationMethod` of requests and responses),
// and the numbers the sessions table stores for how a session was confirmed. One list,
// used by the request schemas (so the OpenAPI document), the server and our client.

export const VERIFICATION_METHODS = ['email', 'email-otp', 'email-2fa', 'email-captcha', 'totp-2fa'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

/** `sessionTokens.verificationMethod` values, as FxA stores them. */
export const SESSION_VERIFICATION_METHOD = {
  email: 0,
  'email-2fa': 1,
  'totp-2fa': 2,
  'recovery-code': 3,
  'sms-2fa': 4,
} as const;
export type SessionVerificationMethod = keyof typeof SESSION_VERIFICATION_METHOD;
