// The OAuth server's endpoints under /v1 (swagger tag "OAuth"), answering in the OAuth
// errno table. Users are identified by an assertion; the session-token twins are in
// twin-routes.ts.

import { Type, type Static } from '@sinclair/typebox';
import { OAUTH_ERRNO, OAuthError } from '../../errors.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { body } from '../../http/schemas.js';
import type { Authentication } from './grant-model.js';
import type { AccessTokenVerifier } from './model.js';
import {
  accessToken,
  accessType,
  acrValues,
  assertion,
  authorizationResponse,
  authorizedClientsResponse,
  clientId,
  clientSecret,
  codeChallenge,
  codeChallengeMethod,
  grantType,
  introspectResponse,
  keysJwe,
  ppidSeed,
  redirectUri,
  resource,
  scope,
  scopedKeyDataResponse,
  state,
  token64,
  tokenResponse,
  ttl,
  verifyResponse,
} from './schemas.js';
import type { OAuthService } from './service.js';
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

/** Turns an assertion into the user's authentication: OAuthError 104 when it does not verify. */
export interface AssertionVerifier {
  verify(assertion: string): Promise<Authentication>;
}

export interface OAuthRouteDeps {
  signingKeys: Pick<SigningKeys, 'jwks'>;
  oauth: OAuthService;
  accessTokens: AccessTokenVerifier;
  assertions: AssertionVerifier;
  /** Where GET /authorization sends the browser: the login pages. */
  contentUrl: string;
}

const authorizationBody = body({
  client_id: clientId,
  assertion,
  scope,
  redirect_uri: Type.Optional(redirectUri),
  response_type: Type.Optional(Type.Union([Type.Literal('code'), Type.Literal('token')])),
  state: Type.Optional(state),
  ttl: Type.Optional(ttl),
  access_type: Type.Optional(accessType),
  code_challenge_method: Type.Optional(codeChallengeMethod),
  code_challenge: Type.Optional(codeChallenge),
  keys_jwe: Type.Optional(keysJwe),
  acr_values: Type.Optional(acrValues),
  resource: Type.Optional(resource),
});

export const tokenBody = body({
  grant_type: Type.Optional(grantType),
  client_id: Type.Optional(clientId),
  client_secret: Type.Optional(clientSecret),
  code: Type.Optional(token64),
  code_verifier: Type.Optional(Type.String({ minLength: 43, maxLength: 128, pattern: '^[A-Za-z0-9\\-._~]+$' })),
  redirect_uri: Type.Optional(Type.String({ maxLength: 2048 })),
  refresh_token: Type.Optional(token64),
  assertion: Type.Optional(assertion),
  scope: Type.Optional(scope),
  access_type: Type.Optional(accessType),
  ttl: Type.Optional(ttl),
  ppid_seed: Type.Optional(ppidSeed),
  resource: Type.Optional(resource),
  subject_token: Type.Optional(token64),
  subject_token_type: Type.Optional(Type.String({ maxLength: 128 })),
});

/** The grant's fields of a token request body, as the service takes them (both token routes). */
export function tokenFields(body: Static<typeof tokenBody>) {
  return {
    code: body.code,
    codeVerifier: body.code_verifier,
    refreshToken: body.refresh_token,
    scope: body.scope,
    ttl: body.ttl,
    resource: body.resource,
    ppidSeed: body.ppid_seed,
    accessType: body.access_type,
    subjectToken: body.subject_token,
    subjectTokenType: body.subject_token_type,
  };
}

const OAUTH = OAUTH_ERRNO;

export function oauthRoutes({ signingKeys, oauth, accessTokens, assertions, contentUrl }: OAuthRouteDeps): RouteSpec[] {
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

    defineRoute({
      method: 'GET',
      path: '/authorization',
      tag: 'OAuth',
      summary: 'Start an OAuth flow: redirects to the sign-in page with the same query',
      description: 'A `keys_jwk` here is refused: scoped keys must not pass through the OAuth server (errno 109).',
      errors: { oauth: [] },
      query: Type.Record(Type.String(), Type.Unknown()),
      response: Type.String(),
      async handler({ request, reply }) {
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
        if (new URLSearchParams(query).has('keys_jwk')) throw OAuthError.invalidParameter(['keys_jwk']);
        return reply.redirect(new URL('/authorization', contentUrl).href + query, 302);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/authorization',
      tag: 'OAuth',
      summary: 'Authorize a client for the user named by an assertion: a code (or a token for canGrant clients)',
      errors: {
        oauth: [
          OAUTH.UNKNOWN_CLIENT,
          OAUTH.INCORRECT_REDIRECT,
          OAUTH.INVALID_ASSERTION,
          OAUTH.INVALID_RESPONSE_TYPE,
          OAUTH.INVALID_SCOPES,
          OAUTH.NOT_PUBLIC_CLIENT,
          OAUTH.MISSING_PKCE,
          OAUTH.MISMATCH_ACR,
          OAUTH.DISABLED_CLIENT,
        ],
      },
      body: authorizationBody,
      response: Type.Union([authorizationResponse, tokenResponse]),
      async handler({ body }) {
        const auth = await assertions.verify(body.assertion);
        return oauth.authorize(auth, {
          clientId: body.client_id,
          scope: body.scope,
          state: body.state,
          redirectUri: body.redirect_uri,
          responseType: body.response_type,
          accessType: body.access_type,
          codeChallenge: body.code_challenge,
          codeChallengeMethod: body.code_challenge_method,
          keysJwe: body.keys_jwe,
          acrValues: body.acr_values,
          ttl: body.ttl,
          resource: body.resource,
        });
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/token',
      tag: 'OAuth',
      summary: 'Tokens for a code (PKCE), a refresh token, an assertion (fxa-credentials) or a token exchange',
      description: 'Client credentials by `Authorization: Basic` or in the body, never both. JSON or form-urlencoded.',
      errors: {
        oauth: [
          OAUTH.UNKNOWN_CLIENT,
          OAUTH.INCORRECT_SECRET,
          OAUTH.INVALID_ASSERTION,
          OAUTH.UNKNOWN_CODE,
          OAUTH.MISMATCH_CODE,
          OAUTH.EXPIRED_CODE,
          OAUTH.INVALID_TOKEN,
          OAUTH.FORBIDDEN,
          OAUTH.INVALID_SCOPES,
          OAUTH.NOT_PUBLIC_CLIENT,
          OAUTH.MISMATCH_CODE_CHALLENGE,
          OAUTH.MISSING_PKCE,
          OAUTH.MISMATCH_ACR,
          OAUTH.INVALID_GRANT_TYPE,
          OAUTH.DISABLED_CLIENT,
        ],
      },
      body: tokenBody,
      response: tokenResponse,
      async handler({ body, request }) {
        const grantType = body.grant_type ?? 'authorization_code';
        const auth = grantType === 'fxa-credentials' && body.assertion ? await assertions.verify(body.assertion) : undefined;
        return oauth.token({
          grantType,
          credentials: { authorization: request.headers.authorization, clientId: body.client_id, clientSecret: body.client_secret },
          ...tokenFields(body),
          auth,
        });
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/verify',
      tag: 'OAuth',
      summary: 'Who an access token is for, and what it may do (for resource servers such as Sync)',
      errors: { oauth: [OAUTH.INVALID_TOKEN, OAUTH.EXPIRED_TOKEN] },
      body: body({ token: accessToken }),
      response: verifyResponse,
      async handler({ body }) {
        const verified = await accessTokens.verify(body.token);
        return {
          user: verified.uid.toString('hex'),
          client_id: verified.clientId,
          scope: verified.scope,
          generation: verified.generation,
          ...(verified.profileChangedAt === undefined ? {} : { profile_changed_at: verified.profileChangedAt }),
        };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/introspect',
      tag: 'OAuth',
      summary: 'RFC 7662 token introspection',
      errors: { oauth: [OAUTH.NOT_PUBLIC_CLIENT] },
      body: body({
        token: Type.String({ maxLength: 1024 }),
        token_type_hint: Type.Optional(Type.Union([Type.Literal('access_token'), Type.Literal('refresh_token')])),
      }),
      response: introspectResponse,
      async handler({ body }) {
        return oauth.introspect(body.token, body.token_type_hint);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/destroy',
      tag: 'OAuth',
      summary: 'Revoke one access or refresh token',
      description:
        '`access_token` (Mozilla) names an access token; `token` (RFC 7009) an access token or, when none matches, a refresh token (its whole rotation family).',
      errors: { oauth: [OAUTH.UNKNOWN_CLIENT, OAUTH.INCORRECT_SECRET, OAUTH.INVALID_TOKEN] },
      body: body({
        client_id: Type.Optional(clientId),
        client_secret: Type.Optional(clientSecret),
        access_token: Type.Optional(accessToken),
        token: Type.Optional(accessToken),
        refresh_token: Type.Optional(token64),
        refresh_token_id: Type.Optional(token64),
      }),
      response: Type.Object({}),
      async handler({ body, request }) {
        const access = body.access_token ?? body.token;
        const given = [access, body.refresh_token, body.refresh_token_id].filter((value) => value !== undefined);
        if (given.length !== 1) throw OAuthError.invalidParameter(['access_token', 'refresh_token', 'refresh_token_id']);
        const { authorization } = request.headers;
        const credentials =
          authorization || body.client_id ? { authorization, clientId: body.client_id, clientSecret: body.client_secret } : undefined;
        await oauth.destroy(credentials, {
          accessToken: access,
          // RFC 7009 names either kind `token`; Mozilla reads it as an access token only (108 for a
          // refresh token), which leaves generic relying parties unable to revoke refresh tokens.
          orRefreshToken: body.access_token === undefined,
          refreshToken: body.refresh_token,
          refreshTokenId: body.refresh_token_id,
        });
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/key-data',
      tag: 'OAuth',
      summary: 'What the browser derives scoped keys from, for each keyed scope of the request',
      errors: {
        oauth: [OAUTH.UNKNOWN_CLIENT, OAUTH.INVALID_ASSERTION, OAUTH.INVALID_SCOPES, OAUTH.STALE_AUTH_AT, OAUTH.DISABLED_CLIENT],
      },
      body: body({ client_id: clientId, assertion, scope }),
      response: scopedKeyDataResponse,
      async handler({ body }) {
        return oauth.keyData(await assertions.verify(body.assertion), body.client_id, body.scope);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/authorized-clients',
      tag: 'OAuth',
      summary: 'The clients holding tokens for the user: one entry per refresh token, access-token-only clients merged',
      errors: { oauth: [OAUTH.INVALID_ASSERTION] },
      body: body({ assertion }),
      response: authorizedClientsResponse,
      async handler({ body }) {
        return oauth.authorizedClients((await assertions.verify(body.assertion)).uid);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/authorized-clients/destroy',
      tag: 'OAuth',
      summary: "Revoke one refresh token of the user's, or everything a client holds for them",
      errors: { oauth: [OAUTH.INVALID_ASSERTION, OAUTH.UNKNOWN_TOKEN] },
      body: body({ client_id: clientId, refresh_token_id: Type.Optional(token64), assertion }),
      response: Type.Object({}),
      async handler({ body }) {
        const { uid } = await assertions.verify(body.assertion);
        await oauth.destroyAuthorizedClient(uid, body.client_id, body.refresh_token_id);
        return {};
      },
    }),
  ];
}
