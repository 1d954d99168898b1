// How an address is compared: FxA lower-cases it (Unicode-aware) and keeps the typed
// spelling beside it. Every lookup, rate-limit key and uniqueness check uses this form.

export function normalizeEmail(email: string): string {
  return email.toLowerCase();
}
