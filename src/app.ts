// Builds the HTTP app from the config and services; does not listen.

import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { accountRoutes } from './features/account/routes.js';
import { emailsRoutes } from './features/emails/routes.js';
import { sessionRoutes } from './features/session/routes.js';
import { unblockRoutes } from './features/unblock/routes.js';
import { utilRoutes } from './features/util/routes.js';
import { Authenticator } from './http/auth.js';
import { registerDockerflow } from './http/dockerflow.js';
import { installErrorHandling, installJsonParser, type UndeclaredErrnoHandler } from './http/errors.js';
import { registerRoutes } from './http/route.js';
import { createValidatorCompiler, validationError } from './http/validation.js';
import { createServices, type ServiceOverrides, type Services } from './services.js';

export interface App {
  server: FastifyInstance;
  services: Services;
  close(): Promise<void>;
}

export interface AppOptions extends ServiceOverrides {
  /** Default: log an error. Tests fail on it. */
  onUndeclaredErrno?: UndeclaredErrnoHandler;
}

export async function buildApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<App> {
  const { onUndeclaredErrno, ...overrides } = options;
  const services = await createServices(config, logger, overrides);
  const server = Fastify({
    loggerInstance: logger as never,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    logController: new LogController({ disableRequestLogging: true }),
    schemaErrorFormatter: (errors, dataVar) => validationError(errors, dataVar),
    ajv: { customOptions: {} },
  }) as unknown as FastifyInstance;

  server.setValidatorCompiler(createValidatorCompiler({ redirectDomains: config.redirectDomains }));
  installJsonParser(server, config.bodyLimitBytes);
  installErrorHandling(
    server,
    onUndeclaredErrno ?? ((route, errno) => logger.error({ route, errno }, 'route answered an errno it does not declare')),
  );

  // One log line per request, with the route and outcome but nothing from the body.
  server.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        // The route pattern, or the bare path: query strings may carry codes (e.g. /verify_email?code=…).
        url: request.routeOptions.url ?? request.url.split('?')[0],
        status: reply.statusCode,
        // Error responses carry the FxA errno, which tells 109 from 110 and 400/107 from 400/108.
        ...(request.errno === undefined ? {} : { errno: request.errno }),
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  // Every response, errors included, tells the client the server's time (PROTOCOL §0).
  server.addHook('onRequest', async (_request, reply) => {
    reply.header('Timestamp', String(Math.floor(services.clock.now() / 1000)));
  });

  await server.register(cors, {
    origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins.length > 0 ? config.corsOrigins : false,
    credentials: false,
    exposedHeaders: ['Timestamp', 'Retry-After'],
    maxAge: 86400,
  });

  await server.register(swagger, {
    openapi: {
      info: { title: 'Accounts server (Firefox Accounts compatible)', version: config.version },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          sessionToken: { type: 'http', scheme: 'hawk', description: 'Hawk with a sessionToken, or Bearer fxs_<tokenId>' },
          keyFetchToken: { type: 'http', scheme: 'hawk', description: 'Hawk with a keyFetchToken, or Bearer fxk_<tokenId>' },
        },
      },
    },
  });
  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger());

  const authenticator = new Authenticator({
    publicUrl: config.publicUrl,
    timestampSkewSeconds: config.hawkTimestampSkewSeconds,
    clock: services.clock,
    nonces: services.kv,
  });
  const { sessionStrategy: sessionAuth, keyFetchStrategy: keyFetchAuth } = services.sessions;
  registerRoutes(server, authenticator, [
    ...accountRoutes({ accounts: services.accounts, signin: services.signin, sessionAuth, keyFetchAuth }),
    ...sessionRoutes({ sessions: services.sessions, signin: services.signin, codes: services.emails }),
    ...emailsRoutes({
      emails: services.emails,
      secondaryEmails: services.secondaryEmails,
      reminders: services.reminders,
      sessionAuth,
    }),
    ...unblockRoutes({ unblock: services.unblock }),
    ...utilRoutes({ random: services.random, contentUrl: config.contentUrl }),
  ]);
  registerDockerflow(server, config.version, services.healthChecks, config.commit);

  await server.ready();
  return {
    server,
    services,
    async close() {
      await server.close();
      await services.close();
    },
  };
}
