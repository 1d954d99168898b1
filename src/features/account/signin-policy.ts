// When does a new sign-in have to be confirmed, and what do we tell the client
// about it (docs/protocol.md §3.2)?

import type { Config } from '../../config.js';
import type { VerificationMethod } from '../../protocol/verification.js';

export interface SessionVerificationDecision {
  /** The session starts unconfirmed (gets a tokenVerificationId). */
  needsVerification: boolean;
  /** The client must confirm before it may use keys or verified-session routes. */
  mustVerify: boolean;
}

export interface SigninFacts {
  primaryEmail: string;
  accountCreatedAt: number;
  wantsKeys: boolean;
  now: number;
  /** A confirmed sign-in came from this IP within the configured days. */
  confirmedFromIpRecently: boolean;
  /** The sign-in presented a valid unblock code, which proves access to the mailbox. */
  unblocked: boolean;
}

export function decideSessionVerification(policy: Config['signinConfirmation'], facts: SigninFacts): SessionVerificationDecision {
  if (facts.unblocked) return { needsVerification: false, mustVerify: false };
  const forced = policy.forceAll || (policy.forcedEmailRegex?.test(facts.primaryEmail) ?? false);
  if (forced) return { needsVerification: true, mustVerify: true };
  const accountIsNew =
    policy.skipForNewAccountsHours > 0 && facts.now - facts.accountCreatedAt <= policy.skipForNewAccountsHours * 3600 * 1000;
  const allowListed = policy.skipForEmailRegex?.test(facts.primaryEmail) ?? false;
  if (accountIsNew || allowListed || facts.confirmedFromIpRecently) return { needsVerification: false, mustVerify: false };
  return { needsVerification: true, mustVerify: facts.wantsKeys };
}

export interface VerificationStatus {
  verified: boolean;
  emailVerified: boolean;
  sessionVerified: boolean;
  verificationMethod?: string;
  verificationReason?: 'signup' | 'login';
}

/**
 * The `verified` / `verificationMethod` / `verificationReason` of a sign-in response.
 * An unconfirmed session that need not be confirmed counts as verified, as in FxA.
 */
export function verificationStatus(
  state: { emailVerified: boolean; sessionVerified: boolean; mustVerify: boolean },
  requested: VerificationMethod | undefined,
): VerificationStatus {
  const base = { emailVerified: state.emailVerified, sessionVerified: state.sessionVerified };
  if (!state.emailVerified) {
    return {
      ...base,
      verified: false,
      verificationMethod: requested === 'email-otp' ? 'email-otp' : 'email',
      verificationReason: 'signup',
    };
  }
  if (state.mustVerify && !state.sessionVerified) {
    return { ...base, verified: false, verificationMethod: requested ?? 'email', verificationReason: 'login' };
  }
  return { ...base, verified: true };
}
