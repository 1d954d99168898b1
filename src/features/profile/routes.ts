// The profile server API Firefox calls after sign-in (FIREFOX.md §3), under /profile/v1 on
// this server: GET profile, uid, email, display_name, avatar; POST display_name. Requests
// carry `Authorization: Bearer <OAuth access token>`; each route needs a scope, implied
// values included (`profile` covers `profile:email`…). Errors are in the profile server's
// table: 401 errno 100 for a missing or bad token, 403 for an insufficient scope.

import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError, PROFILE_ERRNO, ProfileError } from '../../errors.js';
import type { Authenticator } from '../../http/auth.js';
import { defineRoute, registerRoutes, type RouteSpec } from '../../http/route.js';
import type { AccessTokenVerifier, VerifiedAccessToken } from '../oauth/model.js';
import { tokenAllows } from './scopes.js';
import { DISPLAY_NAME_MAX_LENGTH, DISPLAY_NAME_PATTERN, type ProfileService } from './service.js';

export const PROFILE_PREFIX = '/profile/v1';
const TAG = 'Profile';
/** Mozilla's profile routes forbid any caching of their answers. */
const NO_STORE = 'private, no-cache, no-store, must-revalidate';
/** What bearer verification may answer: a missing or refused token, the OAuth server failing. */
const BEARER_ERRNOS = [PROFILE_ERRNO.UNAUTHORIZED, PROFILE_ERRNO.OAUTH_SERVER_ERROR];

/**
 * Verifies the bearer token, as Mozilla's `oauth` auth scheme: a header that does not start
 * with `Bearer` or a token the OAuth server refuses is 401 errno 100 with the reason; the
 * OAuth server failing is 503 errno 104.
 */
export async function verifyBearer(verifier: AccessTokenVerifier, header: string | undefined): Promise<VerifiedAccessToken> {
  if (!header?.startsWith('Bearer')) throw ProfileError.unauthorized('Bearer token not provided');
  const token = header.split(' ')[1] ?? '';
  try {
    return await verifier.verify(token);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    if (err.status >= 500) throw new ProfileError(PROFILE_ERRNO.OAUTH_SERVER_ERROR, { cause: err });
    throw ProfileError.unauthorized(err.message);
  }
}

function tokenOf(request: FastifyRequest, required?: string): VerifiedAccessToken {
  const token = request.accessToken;
  if (!token) throw ProfileError.unauthorized('Bearer token not provided');
  if (required && !tokenAllows(token.scope, required)) throw ProfileError.insufficientScope();
  return token;
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** Sends `tag` as a strong ETag; 304 without a body when the client already holds it. */
function withEtag<T>(request: FastifyRequest, reply: FastifyReply, body: T, tag: string): T | FastifyReply {
  const etag = `"${tag}"`;
  reply.header('etag', etag);
  const wanted = request.headers['if-none-match'];
  if (wanted && wanted.split(',').some((value) => ['*', etag].includes(value.trim().replace(/^W\//, '')))) {
    return reply.code(304).send();
  }
  return body;
}

const profileResponse = Type.Object(
  {
    email: Type.Optional(Type.String()),
    locale: Type.Optional(Type.String()),
    amrValues: Type.Optional(Type.Array(Type.String())),
    twoFactorAuthentication: Type.Optional(Type.Boolean()),
    uid: Type.Optional(Type.String()),
    avatar: Type.Optional(Type.String()),
    avatarDefault: Type.Optional(Type.Boolean()),
    displayName: Type.Optional(Type.String()),
    sub: Type.Optional(Type.String({ description: 'The uid, with the `openid` scope' })),
  },
  { description: 'Only the fields the scope reveals' },
);
/** The order the body is serialized in, so the ETag hashes exactly what is sent. */
const PROFILE_FIELDS = Object.keys(profileResponse.properties);

export function profileRoutes({ profiles }: { profiles: ProfileService }): RouteSpec[] {
  const route = { prefix: PROFILE_PREFIX, tag: TAG } as const;
  return [
    defineRoute({
      ...route,
      method: 'GET',
      path: '/profile',
      summary: 'The profile fields the token’s scope reveals',
      description:
        'email, locale, amrValues and twoFactorAuthentication (profile:email / :locale / :amr, or `email`), uid (profile:uid), avatar and avatarDefault (profile:avatar), displayName (profile:display_name, when set), sub (openid). 403 when the scope reveals none. Answers 304 to a matching If-None-Match.',
      errors: { profile: BEARER_ERRNOS },
      response: profileResponse,
      async handler({ request, reply }) {
        const profile = await profiles.profile(tokenOf(request));
        const ordered = Object.fromEntries(
          PROFILE_FIELDS.filter((field) => field in profile).map((field) => [field, profile[field as keyof typeof profile]]),
        );
        reply.header('cache-control', NO_STORE);
        // Mozilla's ETag: a SHA-1 checksum of the JSON sent.
        return withEtag(request, reply, ordered, sha1(JSON.stringify(ordered)));
      },
    }),
    defineRoute({
      ...route,
      method: 'GET',
      path: '/uid',
      summary: 'The account’s uid (scope profile:uid)',
      errors: { profile: BEARER_ERRNOS },
      response: Type.Object({ uid: Type.String() }),
      async handler({ request, reply }) {
        reply.header('cache-control', NO_STORE);
        return { uid: profiles.uid(tokenOf(request, 'profile:uid')) };
      },
    }),
    defineRoute({
      ...route,
      method: 'GET',
      path: '/email',
      summary: 'The account’s primary address (scope profile:email, or `email`)',
      errors: { profile: BEARER_ERRNOS },
      response: Type.Object({ email: Type.String() }),
      async handler({ request, reply }) {
        const token = tokenOf(request);
        if (!tokenAllows(token.scope, 'profile:email') && !token.scope.includes('email')) throw ProfileError.insufficientScope();
        reply.header('cache-control', NO_STORE);
        return { email: await profiles.email(token) };
      },
    }),
    defineRoute({
      ...route,
      method: 'GET',
      path: '/display_name',
      summary: 'The display name (scope profile:display_name); 204 when none is set',
      errors: { profile: BEARER_ERRNOS },
      response: Type.Object({ displayName: Type.String() }),
      async handler({ request, reply }) {
        const displayName = await profiles.displayName(tokenOf(request, 'profile:display_name'));
        reply.header('cache-control', NO_STORE);
        if (!displayName) return reply.code(204).send();
        const body = { displayName };
        return withEtag(request, reply, body, sha1(displayName));
      },
    }),
    defineRoute({
      ...route,
      method: 'POST',
      path: '/display_name',
      summary: 'Sets the display name (scope profile:display_name:write); the empty string clears it',
      errors: { profile: BEARER_ERRNOS },
      body: Type.Object({
        displayName: Type.String({ maxLength: DISPLAY_NAME_MAX_LENGTH, pattern: DISPLAY_NAME_PATTERN }),
      }),
      response: Type.Object({}),
      async handler({ request, reply, body }) {
        await profiles.setDisplayName(tokenOf(request, 'profile:display_name:write'), body.displayName);
        reply.header('cache-control', NO_STORE);
        return {};
      },
    }),
    defineRoute({
      ...route,
      method: 'GET',
      path: '/avatar',
      summary: 'The account’s avatar (scope profile:avatar): the default one, as uploads are not supported yet',
      errors: { profile: BEARER_ERRNOS },
      response: Type.Object({ id: Type.String(), avatarDefault: Type.Boolean(), avatar: Type.String() }),
      async handler({ request, reply }) {
        const avatar = profiles.avatar(tokenOf(request, 'profile:avatar'));
        reply.header('cache-control', NO_STORE);
        return withEtag(request, reply, avatar, avatar.id);
      },
    }),
  ];
}

/**
 * Registers the profile API in its own Fastify scope, whose hook verifies the bearer token
 * before validation (a bad token wins over a bad body, as in FxA).
 */
export async function registerProfileApi(
  app: FastifyInstance,
  authenticator: Authenticator,
  deps: { profiles: ProfileService; accessTokens: AccessTokenVerifier },
): Promise<void> {
  await app.register(async (scope) => {
    scope.decorateRequest('accessToken', null);
    scope.addHook('preValidation', async (request) => {
      request.accessToken = await verifyBearer(deps.accessTokens, request.headers.authorization);
    });
    registerRoutes(scope, authenticator, profileRoutes(deps));
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified bearer token of a profile API request. */
    accessToken: VerifiedAccessToken | null;
  }
}
