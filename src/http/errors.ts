// The one place errors become responses. Anything that is not an AppError is
// translated (framework failures) or becomes 500/999 and is logged with the
// request id — never with the request body or headers, which may hold secrets.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRNO, type Errno } from '../errors.js';
import type { RouteConfig } from './route.js';

/** Told when a route answers an errno it did not declare (a bug: the OpenAPI document is wrong). */
export type UndeclaredErrnoHandler = (route: string, errno: Errno) => void;

function translate(err: FastifyError | AppError | Error): AppError | undefined {
  if (err instanceof AppError) return err;
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

declare module 'fastify' {
  interface FastifyRequest {
    /** The errno of the error response sent, for the request log line. */
    errno?: number;
  }
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  reply.request.errno = error.errno;
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.status(error.status).type('application/json; charset=utf-8').send(JSON.stringify(error.toJSON()));
}

function checkDeclared(request: FastifyRequest, errno: Errno, onUndeclared: UndeclaredErrnoHandler): void {
  const declared = (request.routeOptions.config as Partial<RouteConfig> | undefined)?.errnos;
  if (declared && !declared.has(errno)) onUndeclared(`${request.method} ${request.routeOptions.url}`, errno);
}

export function installErrorHandling(app: FastifyInstance, onUndeclared: UndeclaredErrnoHandler): void {
  app.setErrorHandler((err: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
    const known = translate(err);
    if (known) {
      checkDeclared(request, known.errno as Errno, onUndeclared);
      if (known.status >= 500) request.log.error({ err: known.cause ?? known, errno: known.errno }, 'request failed');
      return sendError(reply, known);
    }
    request.log.error({ err }, 'unexpected error');
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
