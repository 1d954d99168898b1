// The one place errors become responses. Anything that is not an AppError is
// translated (framework failures) or becomes 500/999 and is logged with the
// request id — never with the request body or headers, which may hold secrets.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/index.js';
import {
  AppError,
  DEPENDENCY_RETRY_AFTER_SECONDS,
  DependencyUnavailableError,
  ERRNO,
  findUnavailable,
  OAUTH_ERRNO,
  OAuthError,
  PROFILE_ERRNO,
  ProfileError,
} from '../errors.js';
import { failureCause, type ServerErrorMetrics } from '../metrics.js';
import type { RouteConfig } from './route.js';

/** Told when a route answers an errno it did not declare (a bug: the OpenAPI document is wrong). */
export type UndeclaredErrnoHandler = (route: string, errno: number) => void;

/** Any table's error: they all render the same way. */
export type WireError = AppError | OAuthError | ProfileError;

function translate(err: FastifyError | WireError | Error): WireError | undefined {
  if (err instanceof AppError || err instanceof OAuthError || err instanceof ProfileError) return err;
  // The database or Redis is out: FxA's back-off signal, so clients wait and retry.
  const unavailable =
    findUnavailable(err) ?? (isDatabaseUnavailable(err) ? new DependencyUnavailableError('database', err) : undefined);
  if (unavailable) return AppError.serverBusy(DEPENDENCY_RETRY_AFTER_SECONDS, unavailable);
  const code = (err as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(ERRNO.REQUEST_TOO_LARGE);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(ERRNO.UNEXPECTED_ERROR, { status: 415, message: 'Unsupported Media Type' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(ERRNO.INVALID_JSON, { message: 'Request body does not match its content-length' });
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    return new AppError(ERRNO.UNEXPECTED_ERROR, { status, message: err.message });
  }
  return undefined;
}

/**
 * An OAuth-server route answers in the OAuth table (FxA's OauthError.translate): a schema or
 * body failure is 109 with its `validation`, a wrong content type 113, the rest keep their
 * status and become 999, except 201 (service unavailable), which both tables share.
 */
function toOAuthTable(error: AppError): OAuthError {
  const options = { extra: error.extra, headers: error.headers, cause: error.cause ?? error };
  switch (error.errno) {
    case ERRNO.INVALID_JSON:
    case ERRNO.INVALID_PARAMETER:
    case ERRNO.MISSING_PARAMETER:
      return new OAuthError(OAUTH_ERRNO.INVALID_PARAMETER, {
        ...options,
        extra: { validation: error.extra.validation ?? { keys: error.extra.param ? [error.extra.param] : [] } },
      });
    case ERRNO.SERVER_BUSY:
      return new OAuthError(OAUTH_ERRNO.SERVER_BUSY, options);
  }
  if (error.status === 415) return new OAuthError(OAUTH_ERRNO.INVALID_CONTENT_TYPE, options);
  return new OAuthError(OAUTH_ERRNO.UNEXPECTED_ERROR, { ...options, status: error.status, message: error.message });
}

/**
 * A profile-server route answers in the profile table (its AppError.translate): a schema or
 * body failure is 101 with its `validation`, 503 (a dependency out) is 105 "Auth server
 * error" with the same Retry-After, 429 is 114; the rest keep their status as 999.
 */
function toProfileTable(error: AppError): ProfileError {
  const options = { extra: error.extra, headers: error.headers, cause: error.cause ?? error };
  switch (error.errno) {
    case ERRNO.INVALID_JSON:
    case ERRNO.INVALID_PARAMETER:
    case ERRNO.MISSING_PARAMETER:
      return new ProfileError(PROFILE_ERRNO.INVALID_PARAMETER, {
        ...options,
        extra: {
          validation: error.extra.validation ?? { source: 'payload', keys: error.extra.param ? [error.extra.param] : [] },
        },
      });
    case ERRNO.SERVER_BUSY:
      return new ProfileError(PROFILE_ERRNO.AUTH_SERVER_ERROR, options);
    case ERRNO.THROTTLED:
      return new ProfileError(PROFILE_ERRNO.THROTTLED, options);
  }
  return new ProfileError(PROFILE_ERRNO.UNEXPECTED_ERROR, { ...options, status: error.status, message: error.message });
}

export function sendError(reply: FastifyReply, error: WireError): FastifyReply {
  reply.errno = error.errno;
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.status(error.status).type('application/json; charset=utf-8').send(JSON.stringify(error.toJSON()));
}

function routeConfig(request: FastifyRequest): Partial<RouteConfig> | undefined {
  return request.routeOptions.config as Partial<RouteConfig> | undefined;
}

function checkDeclared(request: FastifyRequest, errno: number, onUndeclared: UndeclaredErrnoHandler): void {
  const declared = routeConfig(request)?.errnos;
  if (declared && !declared.has(errno)) onUndeclared(`${request.method} ${request.routeOptions.url}`, errno);
}

/** The error in the table of the route that answers it. */
function inRouteTable(request: FastifyRequest, error: WireError): WireError {
  const space = routeConfig(request)?.space ?? 'auth';
  if (space === 'oauth' && error instanceof AppError) return toOAuthTable(error);
  if (space === 'profile' && error instanceof AppError) return toProfileTable(error);
  // Another table's error reaching a route is a bug in the route (twins map them).
  if (space !== 'oauth' && error instanceof OAuthError) return inRouteTable(request, AppError.unexpected(error));
  if (space !== 'profile' && error instanceof ProfileError) return inRouteTable(request, AppError.unexpected(error));
  return error;
}

export function installErrorHandling(app: FastifyInstance, onUndeclared: UndeclaredErrnoHandler, metrics?: ServerErrorMetrics): void {
  // The errno of an error response (0: none), for the request log line and metrics.
  app.decorateReply('errno', 0);
  app.setErrorHandler((err: FastifyError | WireError, request: FastifyRequest, reply: FastifyReply) => {
    const translated = translate(err);
    const known = translated && inRouteTable(request, translated);
    if (known) {
      checkDeclared(request, known.errno, onUndeclared);
      if (known.status >= 500) {
        request.log.error({ err: known.cause ?? known, errno: known.errno }, 'request failed');
        metrics?.serverError(known.errno, failureCause(known));
      }
      return sendError(reply, known);
    }
    request.log.error({ err }, 'unexpected error');
    metrics?.serverError(ERRNO.UNEXPECTED_ERROR, failureCause(err));
    return sendError(reply, inRouteTable(request, AppError.unexpected(err)));
  });

  app.setNotFoundHandler((_request, reply) =>
    sendError(reply, new AppError(ERRNO.UNEXPECTED_ERROR, { status: 404, message: 'Not Found' })),
  );
}

/**
 * Fastify's `frameworkErrors`: failures before a route is matched, such as a path parameter
 * that is not valid percent-encoding (FST_ERR_BAD_URL). No route, so no errno table of its
 * own: 400 errno 107, as a bad parameter anywhere else.
 */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  sendError(reply, new AppError(ERRNO.INVALID_PARAMETER, { status, extra: { validation: { source: 'path', keys: [] } } }));
}

/** JSON bodies are parsed here so the raw text stays available for the Hawk payload hash. */
export function installJsonParser(app: FastifyInstance, bodyLimit: number): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    const text = body as string;
    request.rawBody = text;
    if (text.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new AppError(ERRNO.INVALID_JSON), undefined);
    }
  });
}

/**
 * Form bodies (`application/x-www-form-urlencoded`), which OAuth clients send to the token and
 * revocation endpoints (RFC 6749 §4.1.3). A repeated field keeps its first value.
 */
export function installFormParser(app: FastifyInstance, bodyLimit: number): void {
  // Only JSON and form bodies are understood: anything else is 415 (OAuth errno 113), as in FxA.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    const text = body as string;
    request.rawBody = text;
    const fields = new Map<string, string>();
    for (const [name, value] of new URLSearchParams(text)) if (!fields.has(name)) fields.set(name, value);
    // fromEntries defines own properties, so a field named __proto__ stays a field.
    done(null, Object.fromEntries(fields));
  });
}

declare module 'fastify' {
  interface FastifyReply {
    /** The errno of the error this reply answers; 0 for a success. */
    errno: number;
  }
}
