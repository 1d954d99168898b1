// OAuth clients and small helpers the OAuth tests share: a confidential relying party, a
// public PKCE client, a canGrant client and an untrusted one, registered through OAUTH_CLIENTS
// as a deployment would (hashed secrets only).

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { CompactSign, createRemoteJWKSet, jwtVerify, type JWTVerifyOptions } from 'jose';
import type { TestServer } from './server.js';

export const SCOPE_OLDSYNC = 'https://identity.mozilla.com/apps/oldsync';
export const SCOPE_NOTES = 'https://identity.mozilla.com/apps/notes';
export const FIREFOX = '5882386c6d801776';
export const WEBCHANNEL_REDIRECT = 'urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel';

const sha256Hex = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

export interface TestClient {
  id: string;
  secret?: string;
  redirectUri: string;
}

/** Confidential, trusted, rotating refresh tokens (OAUTH_AND_PAYMENTS.md §0's dev client and secret). */
export const CONFIDENTIAL: TestClient = {
  id: 'dcdb5ae7add825d2',
  secret: 'b93ef8a8f3e553a430d7e5b904c6132b2722633af9f03128029201d24a97f2a8',
  redirectUri: 'https://rp.example/callback',
};
/** Public (PKCE), trusted, allowed the notes keys. */
export const PUBLIC_PKCE: TestClient = { id: '38a6b9b3a65a1871', redirectUri: 'https://pkce.example/cb' };
/** Public and canGrant (fxa-credentials), JWT access tokens. */
export const CAN_GRANT: TestClient = { id: '98e6508e88680e1a', redirectUri: 'https://settings.example/' };
/** Confidential and untrusted: only the basic profile scopes. */
export const UNTRUSTED: TestClient = {
  id: '325b4083e32fe8e7',
  secret: 'ec62e3281e3b56e702fe7e82ca7b1fa59d6c2a6766d6d28cccbf8bfa8d5fc8a8',
  redirectUri: 'https://third.example/back',
};

export const OAUTH_CLIENTS = JSON.stringify([
  {
    id: CONFIDENTIAL.id,
    hashedSecret: sha256Hex(CONFIDENTIAL.secret!),
    name: 'Relying party',
    imageUri: '',
    redirectUri: CONFIDENTIAL.redirectUri,
    trusted: true,
    canGrant: false,
    allowedScopes: SCOPE_NOTES,
  },
  {
    id: PUBLIC_PKCE.id,
    name: 'PKCE app',
    imageUri: '',
    redirectUri: PUBLIC_PKCE.redirectUri,
    trusted: true,
    canGrant: false,
    publicClient: true,
    allowedScopes: `${SCOPE_NOTES} ${SCOPE_OLDSYNC}`,
  },
  {
    id: CAN_GRANT.id,
    name: 'Settings',
    imageUri: '',
    redirectUri: CAN_GRANT.redirectUri,
    trusted: true,
    canGrant: true,
    publicClient: true,
    jwtAccessTokens: true,
  },
  {
    id: UNTRUSTED.id,
    hashedSecret: sha256Hex(UNTRUSTED.secret!),
    name: 'Third party',
    imageUri: '',
    redirectUri: UNTRUSTED.redirectUri,
    trusted: false,
    canGrant: false,
  },
]);

/** An RFC 7636 S256 pair. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A well-formed compact JWE; the server stores it opaquely. */
export const FAKE_KEYS_JWE = `eyJhbGciOiJFQ0RILUVTIn0..${randomBytes(12).toString('base64url')}.${randomBytes(40).toString('base64url')}.${randomBytes(16).toString('base64url')}`;

export function basicAuth(client: TestClient): string {
  return `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
}

/** What a relying party does with a JWT: verify it against the published JWKS. */
export function verifyWithJwks(server: TestServer, jwt: string, options: JWTVerifyOptions = {}) {
  return jwtVerify(jwt, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
    algorithms: ['RS256'],
    currentDate: new Date(server.clock.now()),
    ...options,
  });
}

/** A raw request to the OAuth endpoints, returning status and parsed JSON. */
export async function oauthPost(
  server: TestServer,
  path: string,
  body: Record<string, unknown> | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = typeof body === 'string';
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json', ...headers },
    body: form ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/**
 * A BrowserID assertion for the session's user, as an old FxA client makes one: a key pair,
 * a certificate over its public key from POST /certificate/sign, and an assertion for this
 * server signed with the private key.
 */
export async function browserIdAssertion(server: TestServer, sessionToken: string, audience = server.origin): Promise<string> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const decimal = (b64: string) => BigInt(`0x${Buffer.from(b64, 'base64url').toString('hex')}`).toString(10);
  const { cert } = await server.client.request<{ cert: string }>('POST', '/certificate/sign', {
    token: { kind: 'sessionToken', tokenData: sessionToken },
    body: { publicKey: { algorithm: 'RS', n: decimal(jwk.n!), e: decimal(jwk.e!) }, duration: 3600_000 },
  });
  const assertion = await new CompactSign(Buffer.from(JSON.stringify({ aud: audience, exp: server.clock.now() + 60_000 })))
    .setProtectedHeader({ alg: 'RS256' })
    .sign(privateKey);
  return `${cert}~${assertion}`;
}
