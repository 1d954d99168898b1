// OAuth endpoints (swagger tag "OAuth"). So far: the public signing keys.

import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { JWKS_MAX_AGE_SECONDS, type SigningKeys } from './signing-keys.js';

export const jwksResponse = Type.Object({
  keys: Type.Array(
    Type.Object({
      kty: Type.Literal('RSA'),
      alg: Type.Literal('RS256'),
      kid: Type.String(),
      'fxa-createdAt': Type.Integer({ description: 'Creation time in seconds, floored to the hour' }),
      use: Type.Literal('sig'),
      n: Type.String(),
      e: Type.String(),
    }),
  ),
});

export function oauthRoutes({ signingKeys }: { signingKeys: Pick<SigningKeys, 'jwks'> }): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/jwks',
      tag: 'OAuth',
      summary: 'Public keys that verify the JWTs this server signs',
      description:
        'RS256 keys in the order active, next (published ahead of a rotation), retired (still verifying the tokens they signed). Cacheable for 10 s.',
      errors: [],
      response: jwksResponse,
      async handler({ reply }) {
        reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
        return signingKeys.jwks();
      },
    }),
  ];
}
