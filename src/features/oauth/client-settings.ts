// The OAuth client as the rest of the code sees it, the clients built into the server (Mozilla's
// own apps) and the parser of OAUTH_CLIENTS. No I/O here: src/config.ts runs the parser at
// start, so a bad entry stops the server with one line naming the setting.

import { createHash } from 'node:crypto';

export interface OAuthClient {
  id: Buffer;
  /** 16 hex */
  idHex: string;
  name: string;
  imageUri: string;
  /** The first is the default (FxA stores them as one comma-separated string). */
  redirectUris: string[];
  /** space-separated registered scopes it may get */
  allowedScopes: string;
  /** First-party: may get any scope that is not registered, and is shown no consent screen. */
  trusted: boolean;
  /** May use the `fxa-credentials` grant and the legacy `response_type=token`. */
  canGrant: boolean;
  /** PKCE instead of a secret (native and single-page apps). */
  publicClient: boolean;
  /** Its access tokens are RS256 JWTs (else opaque 64 hex). */
  jwtAccessTokens: boolean;
  /** Each use of a refresh token returns a new one and revokes the old (FxA never does). */
  rotateRefreshTokens: boolean;
  /** SHA-256 of the secret; null for a public client. */
  hashedSecret: Buffer | null;
  /** SHA-256 of the secret before the last rotation, still accepted. */
  hashedSecretPrevious: Buffer | null;
  source: 'builtin' | 'config' | 'cli';
  /** Listed in OAUTH_DISABLED_CLIENTS: 503 errno 202 (FxA's kill switch). */
  disabled: boolean;
}

/** A client id: 8 bytes as 16 hex digits. */
export const CLIENT_ID_HEX = /^[0-9a-f]{16}$/;

/**
 * FxA's `hash()`: SHA-256 of a hex value's bytes, the stored form of client secrets, codes and
 * tokens (OAUTH_AND_PAYMENTS.md §0).
 */
export function hashHex(secretHex: string): Buffer {
  return createHash('sha256').update(Buffer.from(secretHex, 'hex')).digest();
}

export const OLDSYNC_SCOPE = 'https://identity.mozilla.com/apps/oldsync';
export const SESSION_TOKEN_SCOPE = 'https://identity.mozilla.com/tokens/session';

const WEBCHANNEL_REDIRECT = 'urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel';
const PAIRING_REDIRECT = 'urn:ietf:wg:oauth:2.0:oob:pair-auth-webchannel';
const successPage = (idHex: string) => `https://accounts.firefox.com/oauth/success/${idHex}`;

/**
 * Mozilla's browsers, under Mozilla's ids (fxa-shared `OAuthNativeClients`), so that Firefox
 * signs in to this server unchanged. Names and allowed scopes as in Mozilla's dev config
 * (fxa-auth-server config/dev.json; iOS is not listed there). Redirect URIs: the ones the apps
 * send (the WebChannel URN of desktop Firefox and of the current iOS/Android apps, the
 * accounts.firefox.com success page of the older Android components, the pairing URN of
 * supplicants), as fxa-content-server lists them for the oldsync scope. Public clients, and
 * they keep their refresh token: Firefox does not expect a new one.
 */
const BUILTIN: ReadonlyArray<Pick<OAuthClient, 'idHex' | 'name' | 'redirectUris'>> = [
  { idHex: '5882386c6d801776', name: 'Firefox', redirectUris: [WEBCHANNEL_REDIRECT] },
  {
    idHex: '1b1a3e44c54fbb58',
    name: 'Firefox for iOS',
    redirectUris: [successPage('1b1a3e44c54fbb58'), WEBCHANNEL_REDIRECT, PAIRING_REDIRECT],
  },
  {
    idHex: 'a2270f727f45f648',
    name: 'Fenix',
    redirectUris: [successPage('a2270f727f45f648'), WEBCHANNEL_REDIRECT, PAIRING_REDIRECT],
  },
  { idHex: '3332a18d142636cb', name: 'Fennec', redirectUris: [successPage('3332a18d142636cb')] },
  {
    idHex: '3c49430b43dfba77',
    name: 'Android Components Reference Browser',
    redirectUris: [successPage('3c49430b43dfba77'), PAIRING_REDIRECT],
  },
];

/** Mozilla's browser client ids (FxA's `tokenExchange.allowedClientIds` too). */
export const BROWSER_CLIENT_IDS: readonly string[] = BUILTIN.map((client) => client.idHex);

export function builtinClients(): OAuthClient[] {
  return BUILTIN.map((client) => ({
    ...client,
    id: Buffer.from(client.idHex, 'hex'),
    redirectUris: [...client.redirectUris],
    imageUri: '',
    allowedScopes: `${OLDSYNC_SCOPE} ${SESSION_TOKEN_SCOPE}`,
    trusted: true,
    // Firefox gets its later tokens with fxa-credentials (FxA's config: canGrant for its browsers).
    canGrant: true,
    publicClient: true,
    jwtAccessTokens: false,
    rotateRefreshTokens: false,
    hashedSecret: null,
    hashedSecretPrevious: null,
    source: 'builtin',
    disabled: false,
  }));
}

/** Splits FxA's stored redirectUri (a comma-separated list, possibly empty). */
export function splitRedirectUris(stored: string): string[] {
  return stored
    .split(',')
    .map((uri) => uri.trim())
    .filter(Boolean);
}

/** Keys of an OAUTH_CLIENTS entry: FxA's `oauthServer.clients` and ours. */
const KNOWN_KEYS = new Set([
  'id',
  'hashedSecret',
  'hashedSecretPrevious',
  'name',
  'imageUri',
  'redirectUri',
  'trusted',
  'canGrant',
  'publicClient',
  'allowedScopes',
  'jwtAccessTokens',
  'rotateRefreshTokens',
  // In FxA's configs, never stored.
  'termsUri',
  'privacyUri',
]);

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
/** Scope values (FxA's character set) separated by single spaces. */
export const SCOPE_LIST = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

function parseClient(entry: unknown, index: number): OAuthClient {
  let where = `entry ${index}`;
  const fail = (problem: string): never => {
    throw new Error(`${where}: ${problem}`);
  };
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail('expected an object');
  const fields = entry as Record<string, unknown>;
  const id = fields.id;
  if (typeof id !== 'string' || !CLIENT_ID_HEX.test(id.toLowerCase())) return fail('"id" must be 16 hex digits (8 bytes)');
  const idHex = id.toLowerCase();
  where = `client ${idHex}`;
  if ('secret' in fields) {
    const secret = fields.secret;
    // The secret itself is never echoed.
    if (typeof secret !== 'string' || secret.length === 0 || secret.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(secret)) {
      return fail(
        'a plaintext "secret" is not accepted, and client secrets are hex (e.g. `openssl rand -hex 32`): make a new one, give it to the client and put only its SHA-256 here as "hashedSecret"',
      );
    }
    return fail(
      `a plaintext "secret" is not accepted; store only its hash: replace "secret" with "hashedSecret": "${hashHex(secret).toString('hex')}"`,
    );
  }
  const unknown = Object.keys(fields).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) fail(`unknown key ${unknown.map((key) => JSON.stringify(key)).join(', ')}`);

  const bool = (key: string, fallback?: boolean): boolean => {
    const value = fields[key];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'boolean') return fail(`"${key}" must be true or false`);
    return value;
  };
  const text = (key: string, fallback?: string): string => {
    const value = fields[key];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string') return fail(`"${key}" must be a string`);
    return value;
  };
  const hash = (key: string): Buffer | null => {
    const value = fields[key];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string' || !HEX_SHA256.test(value)) return fail(`"${key}" must be a SHA-256 as 64 hex digits`);
    return Buffer.from(value, 'hex');
  };

  const publicClient = bool('publicClient', false);
  const hashedSecret = hash('hashedSecret');
  if (!publicClient && !hashedSecret) fail('"hashedSecret" is required unless "publicClient" is true');
  const name = text('name');
  if (name.trim() === '') fail('"name" must not be empty');
  const allowedScopes = text('allowedScopes', '').trim();
  if (allowedScopes !== '' && !SCOPE_LIST.test(allowedScopes))
    fail('"allowedScopes" must be scope values separated by single spaces');
  return {
    id: Buffer.from(idHex, 'hex'),
    idHex,
    name,
    imageUri: text('imageUri', ''),
    redirectUris: splitRedirectUris(text('redirectUri')),
    allowedScopes,
    trusted: bool('trusted'),
    canGrant: bool('canGrant'),
    publicClient,
    jwtAccessTokens: bool('jwtAccessTokens', false),
    rotateRefreshTokens: bool('rotateRefreshTokens', !publicClient),
    hashedSecret,
    hashedSecretPrevious: hash('hashedSecretPrevious'),
    source: 'config',
    disabled: false,
  };
}

/** OAUTH_CLIENTS: a JSON array of FxA client objects (empty: none). Throws a one-line Error. */
export function parseOAuthClients(raw: string): OAuthClient[] {
  if (raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`expected a JSON array of clients: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(parsed)) throw new Error('expected a JSON array of clients');
  const clients = parsed.map(parseClient);
  const seen = new Set<string>();
  for (const client of clients) {
    if (seen.has(client.idHex)) throw new Error(`client ${client.idHex} is listed twice`);
    seen.add(client.idHex);
  }
  return clients;
}

/** OAUTH_DISABLED_CLIENTS: comma-separated client ids. */
export function parseClientIdList(raw: string): string[] {
  return raw
    .split(',')
    .map((id) => id.trim().toLowerCase())
    .filter(Boolean)
    .map((id) => {
      if (!CLIENT_ID_HEX.test(id)) throw new Error(`expected client ids of 16 hex digits, got ${JSON.stringify(id)}`);
      return id;
    });
}
