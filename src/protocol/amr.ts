// Authentication methods (OIDC `amr`) and assurance level of a session, as FxA derives them:
// every session proved the password; a confirmed one also proved the mailbox, or a second
// factor when it was confirmed with one. AAL 2 needs a second factor (`otp`).

import { SESSION_VERIFICATION_METHOD } from './verification.js';

export type AuthenticationMethod = 'pwd' | 'email' | 'otp';

const METHOD_OF: Record<number, AuthenticationMethod> = {
  [SESSION_VERIFICATION_METHOD.email]: 'email',
  [SESSION_VERIFICATION_METHOD['email-2fa']]: 'email',
  [SESSION_VERIFICATION_METHOD['totp-2fa']]: 'otp',
  [SESSION_VERIFICATION_METHOD['recovery-code']]: 'otp',
  [SESSION_VERIFICATION_METHOD['sms-2fa']]: 'otp',
};

export interface SessionProof {
  /** The session is confirmed (no pending tokenVerificationId). */
  verified: boolean;
  /** `sessionTokens.verificationMethod`: how it was confirmed, when it was. */
  verificationMethod: number | null;
}

export function authenticationMethods(session: SessionProof): AuthenticationMethod[] {
  const methods: AuthenticationMethod[] = ['pwd'];
  const confirmedWith = session.verificationMethod === null ? undefined : METHOD_OF[session.verificationMethod];
  if (confirmedWith) methods.push(confirmedWith);
  else if (session.verified) methods.push('email');
  return methods;
}

/**
 * What the account can authenticate with, whatever a given session used (FxA's
 * `availableAuthenticationMethods`, the `profile:amr` answer of /account/profile): a password
 * and the mailbox, and `otp` once a second factor is enabled.
 */
export function availableAuthenticationMethods(account: { secondFactorEnabled: boolean }): AuthenticationMethod[] {
  return account.secondFactorEnabled ? ['pwd', 'email', 'otp'] : ['pwd', 'email'];
}

/** 2 when a second factor was used, else 1. */
export function assuranceLevel(methods: readonly AuthenticationMethod[]): number {
  return methods.includes('otp') ? 2 : 1;
}
