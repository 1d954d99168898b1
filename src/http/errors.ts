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
  type Errno,
} from '../errors.js';
import { failureCause, type ServerErrorMetrics } from '../metrics.js';
import type { RouteConfig } from './route.js';

/** Told when a route answers an errno it did not declare (a bug: the OpenAPI document is wrong). */
export type UndeclaredErrnoHandler = (route: string, errno: Errno) => void;

function translate(err: FastifyError | AppError | Error): AppError | undefined {
  if (err instanceof AppError) return err;
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

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  reply.errno = error.errno;
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.status(error.status).type('application/json; charset=utf-8').send(JSON.stringify(error.toJSON()));
}

function checkDeclared(request: FastifyRequest, errno: Errno, onUndeclared: UndeclaredErrnoHandler): void {
  const declared = (request.routeOptions.config as Partial<RouteConfig> | undefined)?.errnos;
  if (declared && !declared.has(errno)) onUndeclared(`${request.method} ${request.routeOptions.url}`, errno);
}

export function installErrorHandling(app: FastifyInstance, onUndeclared: UndeclaredErrnoHandler, metrics?: ServerErrorMetrics): void {
  // The errno of an error response (0: none), for the request log line and metrics.
  app.decorateReply('errno', 0);
  app.setErrorHandler((err: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
    const known = translate(err);
    if (known) {
      checkDeclared(request, known.errno as Errno, onUndeclared);
      if (known.status >= 500) {
        request.log.error({ err: known.cause ?? known, errno: known.errno }, 'request failed');
        metrics?.serverError(known.errno, failureCause(known));
      }
      return sendError(reply, known);
    }
    request.log.error({ err }, 'unexpected error');
    metrics?.serverError(ERRNO.UNEXPECTED_ERROR, failureCause(err));
    return sendError(reply, AppError.unexpected(err));
  });

  app.setNotFoundHandler((_request, reply) =>
    sendError(reply, new AppError(ERRNO.UNEXPECTED_ERROR, { status: 404, message: 'Not Found' })),
  );
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

declare module 'fastify' {
  interface FastifyReply {
    /** The errno of the error this reply answers; 0 for a success. */
    errno: number;
  }
}
