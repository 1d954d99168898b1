// Which scopes a client may be granted for a user's authentication (FxA's
// validateRequestedGrant, OAUTH_AND_PAYMENTS.md §3): a pure function, like signin-policy.ts.

import { OAUTH_ERRNO, OAuthError } from '../../errors.js';
import type { OAuthClient } from './clients.js';
import type { Authentication } from './grant-model.js';
import { SCOPE } from './grant-model.js';
import { ScopeSet } from './scopes.js';

/** Scopes whose grant comes with keys derived from kB (`scoped-key-data`). */
export const KEYED_SCOPES = ScopeSet.fromArray([SCOPE.oldsync, 'https://identity.mozilla.com/apps/notes']);

/**
 * Registered scopes: a client gets them only when its allowedScopes imply them, trusted or
 * not. Unregistered values are free for trusted (first-party) clients.
 */
export const REGISTERED_SCOPES = KEYED_SCOPES.union(SCOPE.sessionToken);

/** What an untrusted (third-party) client may ask for at most. */
const UNTRUSTED_ALLOWED = ScopeSet.fromArray(['openid', 'profile:uid', 'profile:email', 'profile:display_name']);

/** Does `acr_values` (space-separated) ask for AAL2? */
export const requiresAal2 = (acrValues: string | null | undefined): boolean => (acrValues ?? '').split(/\s+/).includes('AAL2');

export interface RequestedGrant {
  client: Pick<OAuthClient, 'trusted' | 'allowedScopes'>;
  auth: Pick<Authentication, 'aal' | 'tokenVerified'>;
  scope: ScopeSet;
  acrValues?: string | null;
}

/** Throws the OAuth error FxA gives when the grant may not be made. */
export function checkRequestedGrant({ client, auth, scope, acrValues }: RequestedGrant): void {
  if (requiresAal2(acrValues) && auth.aal < 2) throw new OAuthError(OAUTH_ERRNO.MISMATCH_ACR);
  if (!client.trusted) {
    const excess = scope.difference(UNTRUSTED_ALLOWED);
    if (!excess.isEmpty()) throw OAuthError.invalidScopes(excess.toString());
  }
  // Registration is by exact value, as in FxA's scopes table.
  const allowed = ScopeSet.fromString(client.allowedScopes);
  const refused = scope.getScopeValues().filter((value) => REGISTERED_SCOPES.has(value) && !allowed.implies(value));
  if (refused.length > 0) throw OAuthError.invalidScopes(refused.join(' '));
  if (keyedScopesOf(scope).length > 0 && !auth.tokenVerified) throw new OAuthError(OAUTH_ERRNO.INVALID_ASSERTION);
}

/** The keyed scopes among `scope`. */
export const keyedScopesOf = (scope: ScopeSet): string[] => scope.getScopeValues().filter((value) => KEYED_SCOPES.has(value));
