// Whether an access token's scope covers what a profile route needs, by FxA's implication
// rules for short scopes (OAUTH_AND_PAYMENTS.md §3): `profile:write` ⊃ `profile` ⊃
// `profile:email`, `profile:write` ⊃ `profile:email:write`, never the other way. Kept to
// this one function so it can give way to the shared ScopeSet (`src/features/oauth/scopes.ts`).

/** The values that imply `required`: for each prefix P, longest first, `P:write`, and `P` unless `required` is a write scope. */
function implicants(required: string): string[] {
  // URL scopes (https://identity.mozilla.com/…) only match exactly here: no profile route needs one.
  if (required.includes('/')) return [required];
  const parts = required.split(':');
  const isWrite = parts.length > 1 && parts.at(-1) === 'write';
  if (isWrite) parts.pop();
  const values: string[] = [];
  for (let n = parts.length; n > 0; n--) {
    const prefix = parts.slice(0, n).join(':');
    values.push(`${prefix}:write`);
    if (!isWrite) values.push(prefix);
  }
  return values;
}

export function tokenAllows(scope: readonly string[], required: string): boolean {
  const granted = new Set(scope);
  return implicants(required).some((value) => granted.has(value));
}
