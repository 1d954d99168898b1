// Who may create an account through the API (POST /account/create): anyone (`open`, FxA's
// behaviour), only the addresses and domains of SIGNUP_ALLOWLIST (`allowlist`), or nobody
// (`closed`: accounts come from the operator's `accounts-server user add`, which bypasses this
// policy). A pure decision on the normalized address; the service enforces it. POST
// /account/create is the only creation route we have; FxA's `/account/stub` and third-party
// sign-in (not implemented) would have to ask this too, as Mozilla checks the domain there.

import { normalizeEmail } from '../../protocol/email.js';

export type SignupPolicyMode = 'open' | 'allowlist' | 'closed';

export interface SignupPolicy {
  mode: SignupPolicyMode;
  /** Lower-cased full addresses (`alice@example.com`). */
  addresses: ReadonlySet<string>;
  /** Lower-cased domains of `@domain` entries, without the `@` (`example.com`). */
  domains: ReadonlySet<string>;
}

export const SIGNUP_POLICY_MODES: readonly SignupPolicyMode[] = ['open', 'allowlist', 'closed'];

/**
 * SIGNUP_ALLOWLIST: comma-separated `user@domain` addresses and `@domain` entries, any case.
 * An `@domain` entry admits exactly that domain, not its subdomains: `@example.com` does not
 * admit `bob@mail.example.com` (list `@mail.example.com` too), so that a listed domain never
 * silently extends to hosts someone else may control.
 */
export function parseSignupAllowlist(raw: string): Pick<SignupPolicy, 'addresses' | 'domains'> {
  const addresses = new Set<string>();
  const domains = new Set<string>();
  for (const entry of raw.split(',').map((s) => s.trim())) {
    if (entry === '') continue;
    const at = entry.lastIndexOf('@');
    const domain = entry.slice(at + 1);
    if (at < 0 || domain === '' || /[\s@,]/.test(domain) || /\s/.test(entry)) {
      throw new Error(`expected addresses (alice@example.com) and @domain entries (@example.com), got ${JSON.stringify(entry)}`);
    }
    if (at === 0) domains.add(normalizeEmail(domain));
    else addresses.add(normalizeEmail(entry));
  }
  return { addresses, domains };
}

/** May `email` sign up through the API? */
export function signupAllowed(policy: SignupPolicy, email: string): boolean {
  switch (policy.mode) {
    case 'open':
      return true;
    case 'closed':
      return false;
    case 'allowlist': {
      const normalized = normalizeEmail(email);
      if (policy.addresses.has(normalized)) return true;
      const domain = normalized.slice(normalized.lastIndexOf('@') + 1);
      return policy.domains.has(domain);
    }
  }
}

export const OPEN_SIGNUP: SignupPolicy = { mode: 'open', addresses: new Set(), domains: new Set() };
