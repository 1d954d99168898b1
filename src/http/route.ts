// Each endpoint is declared once: method, path, schemas (which validate the request,
// shape the response and feed the OpenAPI document), what its token must prove, the
// errnos it may answer, and a thin handler.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  ERRNO,
  ERRNO_TABLE,
  OAUTH_ERRNO,
  OAUTH_ERRNO_TABLE,
  PROFILE_ERRNO,
  PROFILE_ERRNO_TABLE,
  type Errno,
  type OAuthErrno,
  type ProfileErrno,
} from '../errors.js';
import type { AuthResult, AuthStrategy, Authenticator } from './auth.js';

type StaticOr<S, Fallback> = S extends TSchema ? Static<S> : Fallback;

export interface RouteInput<B, Q, P, T, Optional extends boolean> {
  body: B;
  query: Q;
  params: P;
  auth: Optional extends true ? AuthResult<T> | null : AuthResult<T>;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** What a route requires of its token, checked after authentication and before validation. */
export interface RouteAuth<T, Optional extends boolean> {
  strategy: AuthStrategy<T>;
  /** Without a token the handler gets `auth: null` (and no precondition applies). */
  optional?: Optional;
  /** The account's primary address is verified (else 104). */
  verifiedEmail?: boolean;
  /** The token is confirmed (else the strategy's errno: 138 for sessions, 104 for key-fetch tokens). */
  confirmedToken?: boolean;
  /** The token's assurance level meets what the account requires: AAL2 once it has two-step authentication (else 138). */
  accountAssurance?: boolean;
}

export interface RouteSpec<
  B extends TSchema | undefined = TSchema | undefined,
  Q extends TSchema | undefined = TSchema | undefined,
  P extends TSchema | undefined = TSchema | undefined,
  R extends TSchema = TSchema,
  T = unknown,
  Optional extends boolean = boolean,
> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under `prefix`. */
  path: string;
  /** Default /v1; the profile API lives under /profile/v1. */
  prefix?: string;
  tag: string;
  summary: string;
  description?: string;
  /** A retired operation: published as deprecated, without a success response (it only ever answers its errors). */
  retired?: boolean;
  auth?: RouteAuth<T, Optional>;
  /**
   * The errnos the handler may answer, beyond those every route can (validation, size,
   * 999) and those its auth and preconditions add. Answering another one is a bug.
   * `{ oauth: [...] }` puts the route in the OAuth server's errno table (`/v1/token` & co.),
   * `{ profile: [...] }` in the profile server's (`/profile/v1/*`).
   */
  errors: readonly Errno[] | { oauth: readonly OAuthErrno[] } | { profile: readonly ProfileErrno[] };
  body?: B;
  query?: Q;
  params?: P;
  response: R;
  /** Returns the response body, or the reply itself when it has already been sent (a redirect). */
  handler(
    input: RouteInput<StaticOr<B, undefined>, StaticOr<Q, undefined>, StaticOr<P, undefined>, T, Optional>,
  ): Promise<Static<R> | FastifyReply>;
}

/** Identity function that keeps the handler's input types tied to the schemas. */
export function defineRoute<
  B extends TSchema | undefined = undefined,
  Q extends TSchema | undefined = undefined,
  P extends TSchema | undefined = undefined,
  R extends TSchema = TSchema,
  T = unknown,
  Optional extends boolean = false,
>(spec: RouteSpec<B, Q, P, R, T, Optional>): RouteSpec {
  return spec as unknown as RouteSpec;
}

export const API_PREFIX = '/v1';

/**
 * What any route may answer: a malformed, invalid or oversized request, an unexpected failure,
 * or 503 while the database or Redis is out (errno 201, FxA's back-off signal).
 */
const EVERY_ROUTE: readonly Errno[] = [
  ERRNO.INVALID_JSON,
  ERRNO.INVALID_PARAMETER,
  ERRNO.MISSING_PARAMETER,
  ERRNO.REQUEST_TOO_LARGE,
  ERRNO.SERVER_BUSY,
  ERRNO.UNEXPECTED_ERROR,
];
/** What token authentication may answer. */
const AUTHENTICATED: readonly Errno[] = [
  ERRNO.INVALID_REQUEST_SIGNATURE,
  ERRNO.INVALID_TOKEN,
  ERRNO.INVALID_TIMESTAMP,
  ERRNO.INVALID_NONCE,
];

/** What any OAuth-server route may answer: a bad parameter or body type, 503 while a dependency is out, 999. */
const EVERY_OAUTH_ROUTE: readonly OAuthErrno[] = [
  OAUTH_ERRNO.INVALID_PARAMETER,
  OAUTH_ERRNO.INVALID_CONTENT_TYPE,
  OAUTH_ERRNO.SERVER_BUSY,
  OAUTH_ERRNO.UNEXPECTED_ERROR,
];

/** What any profile-server route may answer: a bad parameter, 503 while a dependency is out, 999 (also 403). */
const EVERY_PROFILE_ROUTE: readonly ProfileErrno[] = [
  PROFILE_ERRNO.INVALID_PARAMETER,
  PROFILE_ERRNO.AUTH_SERVER_ERROR,
  PROFILE_ERRNO.UNEXPECTED_ERROR,
];

export type ErrnoSpace = 'auth' | 'oauth' | 'profile';

/** Which errno table the route answers in. */
export function errnoSpace(spec: RouteSpec): ErrnoSpace {
  return Array.isArray(spec.errors) ? 'auth' : 'oauth' in spec.errors ? 'oauth' : 'profile';
}

/** Every errno the route may answer: its own, and those of validation, auth and its preconditions. */
export function routeErrnos(spec: RouteSpec): Set<number> {
  if (!Array.isArray(spec.errors)) {
    const { errors } = spec as { errors: { oauth: readonly OAuthErrno[] } | { profile: readonly ProfileErrno[] } };
    if ('oauth' in errors) return new Set<number>([...EVERY_OAUTH_ROUTE, ...errors.oauth]);
    return new Set<number>([...EVERY_PROFILE_ROUTE, ...errors.profile]);
  }
  const errnos = new Set<number>([...EVERY_ROUTE, ...(spec.errors as readonly Errno[])]);
  const { auth } = spec;
  if (!auth) return errnos;
  for (const errno of AUTHENTICATED) errnos.add(errno);
  if (auth.verifiedEmail) errnos.add(ERRNO.UNVERIFIED_ACCOUNT);
  if (auth.confirmedToken) errnos.add(auth.strategy.unconfirmedErrno);
  if (auth.accountAssurance) errnos.add(ERRNO.SESSION_UNVERIFIED);
  return errnos;
}

/** The preconditions in FxA's order: the address, then the token, then its assurance level. */
export function checkPreconditions<T>(auth: RouteAuth<T, boolean>, token: T): void {
  const state = auth.strategy.state(token);
  if (auth.verifiedEmail && !state.emailVerified) throw new AppError(ERRNO.UNVERIFIED_ACCOUNT);
  if (auth.confirmedToken && !state.tokenVerified) throw new AppError(auth.strategy.unconfirmedErrno);
  if (auth.accountAssurance && state.assuranceLevel < state.requiredAssuranceLevel) {
    throw new AppError(ERRNO.SESSION_UNVERIFIED);
  }
}

const errorBody = Type.Object({
  code: Type.Integer(),
  errno: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  info: Type.Optional(Type.String()),
});

/** The error responses of the OpenAPI document: one per status, naming each errno. */
function errorResponses(errnos: Set<number>, space: ErrnoSpace): Record<number, TSchema> {
  const byStatus = new Map<number, string[]>();
  for (const errno of [...errnos].sort((a, b) => a - b)) {
    const { status, message } =
      space === 'oauth'
        ? OAUTH_ERRNO_TABLE[errno as OAuthErrno]
        : space === 'profile'
          ? PROFILE_ERRNO_TABLE[errno as ProfileErrno]
          : ERRNO_TABLE[errno as Errno];
    byStatus.set(status, [...(byStatus.get(status) ?? []), `errno ${errno}: ${message}`]);
  }
  return Object.fromEntries([...byStatus].map(([status, lines]) => [status, { ...errorBody, description: lines.join('; ') }]));
}

/** The OpenAPI security requirements of a strategy: any one of them will do. */
function securityOf(strategy: AuthStrategy): Array<Record<string, string[]>> {
  return [{ [strategy.name]: [] }, ...(strategy.accessToken ? [{ [strategy.accessToken.name]: [] }] : [])];
}

export interface RouteConfig {
  /** The errnos the route declared (with the implied ones). */
  errnos: Set<number>;
  /** The table they come from. */
  space: ErrnoSpace;
}

export function registerRoutes(app: FastifyInstance, authenticator: Authenticator, routes: RouteSpec[]): void {
  for (const spec of routes) {
    const { auth } = spec;
    const errnos = routeErrnos(spec);
    const space = errnoSpace(spec);
    const config: RouteConfig = { errnos, space };
    app.route({
      method: spec.method,
      url: (spec.prefix ?? API_PREFIX) + spec.path,
      config,
      schema: {
        tags: [spec.tag],
        summary: spec.summary,
        description: spec.description,
        ...(spec.retired ? { deprecated: true } : {}),
        ...(auth ? { security: securityOf(auth.strategy) } : {}),
        ...(spec.body ? { body: spec.body } : {}),
        ...(spec.query ? { querystring: spec.query } : {}),
        ...(spec.params ? { params: spec.params } : {}),
        response: { ...(spec.retired ? {} : { 200: spec.response }), ...errorResponses(errnos, space) },
      },
      // Authentication and the token's preconditions come before validation, as in FxA:
      // a bad or unconfirmed token wins over a bad body.
      preValidation: auth
        ? async (request) => {
            const result = await authenticator.authenticate(request, auth.strategy, auth.optional ?? false);
            if (result) checkPreconditions(auth, result.token);
            request.auth = result;
          }
        : undefined,
      handler: async (request, reply) =>
        spec.handler({
          body: request.body as never,
          query: request.query as never,
          params: request.params as never,
          auth: request.auth as never,
          request,
          reply,
        }),
    });
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Raw JSON body text, kept for the Hawk payload hash. */
    rawBody?: string;
    auth: AuthResult | null;
  }
}
