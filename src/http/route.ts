// Each endpoint is declared once: method, path, schemas (which validate the request,
// shape the response and feed the OpenAPI document), auth strategy and a thin handler.

import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthResult, AuthStrategy, Authenticator } from './auth.js';

type StaticOr<S, Fallback> = S extends TSchema ? Static<S> : Fallback;

export interface NamedStrategy<T> extends AuthStrategy<T> {
  /** The swagger's name for it, shown in the OpenAPI document (`sessionToken`, `keyFetchToken`…). */
  name: string;
}

export interface RouteInput<B, Q, P, T, Optional extends boolean> {
  body: B;
  query: Q;
  params: P;
  auth: Optional extends true ? AuthResult<T> | null : AuthResult<T>;
  request: FastifyRequest;
  reply: FastifyReply;
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
  /** Path under /v1. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth?: { strategy: NamedStrategy<T>; optional?: Optional };
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

export function registerRoutes(app: FastifyInstance, authenticator: Authenticator, routes: RouteSpec[]): void {
  for (const spec of routes) {
    const { auth } = spec;
    app.route({
      method: spec.method,
      url: API_PREFIX + spec.path,
      schema: {
        tags: [spec.tag],
        summary: spec.summary,
        description: spec.description,
        ...(auth ? { security: [{ [auth.strategy.name]: [] }] } : {}),
        ...(spec.body ? { body: spec.body } : {}),
        ...(spec.query ? { querystring: spec.query } : {}),
        ...(spec.params ? { params: spec.params } : {}),
        response: { 200: spec.response },
      },
      // Authentication comes before validation, as in FxA: a bad token wins over a bad body.
      preValidation: auth
        ? async (request) => {
            request.auth = await authenticator.authenticate(request, auth.strategy, auth.optional ?? false);
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
