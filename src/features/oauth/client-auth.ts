// How an OAuth client proves who it is (OAUTH_AND_PAYMENTS.md §5) and where it may be sent
// back (§4): pure functions, no I/O, so the token, authorization and destroy routes share them.

import { timingSafeEqual } from 'node:crypto';
import { OAuthError } from '../../errors.js';
import { hashHex, type OAuthClient } from './client-settings.js';

export interface ClientCredentials {
  /** 16 lowercase hex. */
  clientId: string;
  /** 64 hex, as sent; absent for a public client. */
  secret?: string;
}

/** FxA's pattern (with the base64 padding that RFC 7617 clients send). */
const BASIC = /^Basic\s+([a-z0-9+/]+={0,2})$/i;
const CLIENT_ID = /^[0-9a-f]{16}$/i;
const CLIENT_SECRET = /^[0-9a-f]{64}$/i;

/**
 * The client id and secret of a request: `Authorization: Basic base64(id:secret)` or the body's
 * `client_id`/`client_secret`, never both (OAuthError 109). A malformed header, id or secret
 * is 109 too. An empty secret counts as none.
 */
export function parseClientCredentials(
  authorizationHeader: string | undefined,
  body: { client_id?: string; client_secret?: string },
): ClientCredentials {
  let clientId: string | undefined;
  let secret: string | undefined;
  if (authorizationHeader !== undefined && authorizationHeader !== '') {
    const encoded = BASIC.exec(authorizationHeader.trim())?.[1];
    if (!encoded) throw OAuthError.invalidParameter(['authorization']);
    const parts = Buffer.from(encoded, 'base64').toString('utf8').split(':');
    if (parts.length !== 2) throw OAuthError.invalidParameter(['authorization']);
    if (body.client_id !== undefined || body.client_secret !== undefined) throw OAuthError.invalidParameter(['authorization']);
    [clientId, secret] = parts;
  } else {
    clientId = body.client_id;
    secret = body.client_secret;
  }
  if (clientId === undefined || !CLIENT_ID.test(clientId)) throw OAuthError.invalidParameter(['client_id']);
  if (secret === undefined || secret === '') return { clientId: clientId.toLowerCase() };
  if (!CLIENT_SECRET.test(secret)) throw OAuthError.invalidParameter(['client_secret']);
  return { clientId: clientId.toLowerCase(), secret };
}

const sameHash = (candidate: Buffer, stored: Buffer | null): boolean =>
  stored !== null && stored.length === candidate.length && timingSafeEqual(candidate, stored);

/**
 * A public client must send no secret, a confidential one must send one (109 otherwise); the
 * secret's SHA-256 must equal the current or the previous hashed secret (102 otherwise).
 */
export function checkClientSecret(client: OAuthClient, secret?: string): void {
  if (client.publicClient) {
    if (secret !== undefined) throw OAuthError.invalidParameter(['client_secret']);
    return;
  }
  if (secret === undefined) throw OAuthError.invalidParameter(['client_secret']);
  const candidate = hashHex(secret);
  // Both comparisons always run, so the time taken does not tell which one matched.
  const current = sameHash(candidate, client.hashedSecret);
  const previous = sameHash(candidate, client.hashedSecretPrevious);
  if (!current && !previous) throw OAuthError.incorrectSecret(client.idHex);
}

/**
 * Where to send the user back: the requested URI if it is one of the client's (exact match),
 * the client's first when none is requested; OAuthError 103 otherwise.
 */
export function redirectUriFor(client: OAuthClient, requested?: string): string {
  if (requested === undefined || requested === '') {
    const first = client.redirectUris[0];
    if (first === undefined) throw OAuthError.incorrectRedirect(requested);
    return first;
  }
  if (!client.redirectUris.includes(requested)) throw OAuthError.incorrectRedirect(requested);
  return requested;
}

/** OAuthError 202 (503) for a client listed in OAUTH_DISABLED_CLIENTS. */
export function assertEnabled(client: OAuthClient): void {
  if (client.disabled) throw OAuthError.disabledClient(client.idHex);
}
