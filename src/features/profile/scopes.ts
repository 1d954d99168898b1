// Whether an access token's scope covers what a profile route needs, by FxA's implication
// rules (OAUTH_AND_PAYMENTS.md §3): `profile:write` ⊃ `profile` ⊃ `profile:email`,
// `profile:write` ⊃ `profile:email:write`, never the other way.

import { ScopeSet } from '../oauth/scopes.js';

export function tokenAllows(scope: readonly string[], required: string): boolean {
  return ScopeSet.fromArray(scope).implies(required);
}
