// BrowserID endpoints: POST /v1/certificate/sign (swagger tag "Sign") and the support documents
// outside /v1, /.well-known/browserid and /.well-known/public-keys (tag "Miscellaneous").

import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ERRNO } from '../../errors.js';
import type { AuthStrategy } from '../../http/auth.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { service } from '../../http/schemas.js';
import type { SessionToken } from '../session/model.js';
import type { BrowserIdService } from './service.js';

/** The longest certificate FxA signs: 24 hours, in milliseconds. */
export const MAX_CERT_DURATION_MS = 24 * 3600 * 1000;
/** FxA's hapi route caches the support document publicly for 10 s. */
export const SUPPORT_DOCUMENT_MAX_AGE_SECONDS = 10;

const keyPart = Type.Optional(Type.String());

const publicKey = Type.Object(
  {
    algorithm: Type.Union([Type.Literal('RS'), Type.Literal('DS')]),
    n: keyPart,
    e: keyPart,
    y: keyPart,
    p: keyPart,
    q: keyPart,
    g: keyPart,
    version: keyPart,
  },
  {
    additionalProperties: false,
    description: 'The key to certify (browserid-crypto): RS needs n and e, DS needs y, p, q and g (else errno 108)',
  },
);

const browserIdJwk = Type.Object({
  kty: Type.Literal('RSA'),
  alg: Type.Literal('RS256'),
  use: Type.Literal('sig'),
  kid: Type.String(),
  'fxa-createdAt': Type.Integer({ description: 'Creation time in seconds, floored to the hour' }),
  n: Type.String(),
  e: Type.String(),
  algorithm: Type.Literal('RS'),
});
const publicKeysResponse = Type.Object({ keys: Type.Array(browserIdJwk) });
const supportDocumentResponse = Type.Object({
  'public-key': Type.Object({
    kid: Type.String(),
    'fxa-createdAt': Type.Integer(),
    algorithm: Type.Literal('RS'),
    n: Type.String({ description: 'Modulus, decimal' }),
    e: Type.String({ description: 'Exponent, decimal' }),
  }),
  authentication: Type.String(),
  provisioning: Type.String(),
  keys: Type.Array(browserIdJwk),
});

/**
 * Unlike the routes that need a confirmed session, FxA's signer refuses (138) only a session
 * that must be confirmed (`mustVerify`: it asked for keys) and is not; another unconfirmed
 * session gets a cert that says `fxa-tokenVerified: false`.
 */
function certifiableSession(sessionAuth: AuthStrategy<SessionToken>): AuthStrategy<SessionToken> {
  return {
    ...sessionAuth,
    state: (session) => ({ ...sessionAuth.state(session), tokenVerified: session.verified || !session.mustVerify }),
  };
}

export interface BrowserIdRouteDeps {
  browserId: Pick<BrowserIdService, 'signCertificate'>;
  sessionAuth: AuthStrategy<SessionToken>;
}

export function browserIdRoutes({ browserId, sessionAuth }: BrowserIdRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/certificate/sign',
      tag: 'Sign',
      summary: 'Sign a BrowserID public key',
      description:
        'Returns `{cert}`: a JWS (RS256, the active OAuth signing key) over the key, the principal `<uid>@<host of PUBLIC_URL>` and the `fxa-*` claims of the session, expiring `duration` ms from now. `service` (default sync) is accepted for compatibility.',
      auth: { strategy: certifiableSession(sessionAuth), verifiedEmail: true, confirmedToken: true },
      // 102 only when the account is deleted while the request is in flight.
      errors: [ERRNO.UNKNOWN_ACCOUNT],
      query: Type.Object({ service: Type.Optional(service) }),
      body: Type.Object(
        {
          publicKey,
          duration: Type.Integer({
            minimum: 0,
            maximum: MAX_CERT_DURATION_MS,
            description: 'Milliseconds until the certificate expires, at most 24 hours',
          }),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({ cert: Type.String() }),
      async handler({ auth, body }) {
        return { cert: await browserId.signCertificate(auth.token, body.publicKey, body.duration) };
      },
    }),
  ];
}

/** The support documents live outside /v1, beside /.well-known/jwks.json. */
export function registerBrowserIdDocuments(
  server: FastifyInstance,
  browserId: Pick<BrowserIdService, 'supportDocument' | 'publicKeys'>,
): void {
  server.get(
    '/.well-known/browserid',
    {
      schema: {
        tags: ['Miscellaneous'],
        summary: 'BrowserID support document',
        description: 'The key that verifies certificates from /v1/certificate/sign, and every published key. Cacheable for 10 s.',
        response: { 200: supportDocumentResponse },
      },
    },
    async (_request, reply) =>
      reply.header('cache-control', `public, max-age=${SUPPORT_DOCUMENT_MAX_AGE_SECONDS}`).send(await browserId.supportDocument()),
  );
  // No cache lifetime here, as in FxA (hapi's default `no-cache`).
  server.get(
    '/.well-known/public-keys',
    {
      schema: {
        tags: ['Miscellaneous'],
        summary: 'Public keys that verify BrowserID certificates',
        response: { 200: publicKeysResponse },
      },
    },
    async () => browserId.publicKeys(),
  );
}
