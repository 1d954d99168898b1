// Builds the HTTP app from the config and services; does not listen.

import cors from '@fastify/cors';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { accountRoutes } from './features/account/routes.js';
import { browserIdRoutes, registerBrowserIdDocuments } from './features/browserid/routes.js';
import { attachedClientRoutes } from './features/devices/attached-routes.js';
import { deviceCommandRoutes } from './features/devices/command-routes.js';
import { emailsRoutes } from './features/emails/routes.js';
import { deviceRoutes } from './features/devices/routes.js';
import { clientRoutes } from './features/oauth/client-routes.js';
import { registerDiscovery } from './features/oauth/discovery.js';
import { registerClientConfiguration } from './features/autoconfig/routes.js';
import { BrowserIdAssertions } from './features/oauth/assertions.js';
import { oauthRoutes } from './features/oauth/routes.js';
import { twinRoutes } from './features/oauth/twin-routes.js';
import { registerProfileApi } from './features/profile/routes.js';
import { JWKS_MAX_AGE_SECONDS } from './features/oauth/signing-keys.js';
import { sessionRoutes } from './features/session/routes.js';
import { pushLoginRoutes } from './features/session/push-routes.js'; // Web Push (issue 9)
import { unblockRoutes } from './features/unblock/routes.js';
import { utilRoutes } from './features/util/routes.js';
import { Authenticator } from './http/auth.js';
import { registerDockerflow } from './http/dockerflow.js';
import {
  frameworkError,
  installErrorHandling,
  installFormParser,
  installJsonParser,
  type UndeclaredErrnoHandler,
} from './http/errors.js';
import { registerRetiredVersions, retiredRoutes } from './http/retired.js';
import { registerPages } from './pages/routes.js';
import { registerRoutes } from './http/route.js';
import { createValidatorCompiler, validationError } from './http/validation.js';
import { createServices, type ServiceOverrides, type Services } from './services.js';

/**
 * The security headers FxA's API sends on every response: HSTS for 180 days with
 * subdomains (the figure the API contract names; hapi's own default is close to it), and
 * hapi's defaults for the rest (xframe 'deny', xss 'disabled', noOpen, noSniff, no
 * Referrer-Policy) plus its `Cache-Control: no-cache` for responses without a cache TTL.
 */
export const SECURITY_HEADERS = {
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-frame-options': 'DENY',
  'x-xss-protection': '0',
  'x-download-options': 'noopen',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
} as const;

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
    // Path parameters are bounded by their schemas (an FxA error); Fastify's own 414 past 100 characters has no errno.
    routerOptions: { maxParamLength: 16384 },
    frameworkErrors: frameworkError,
  }) as unknown as FastifyInstance;

  server.setValidatorCompiler(
    createValidatorCompiler({ redirectDomains: config.redirectDomains, pushAllowLoopback: config.pushAllowLoopback }),
  );
  // Error bodies are serialized by the error handler (src/http/errors.ts); the error responses a
  // route declares are for the OpenAPI document only, so they get no compiled serializer (about
  // 5 MiB of idle memory for a few hundred of them).
  const compileSerializer = SerializerSelector()();
  server.setSerializerCompiler((route) =>
    Number(route.httpStatus) >= 400 ? JSON.stringify : compileSerializer({ ...route, httpStatus: route.httpStatus ?? '200' }),
  );
  installJsonParser(server, config.bodyLimitBytes);
  installFormParser(server, config.bodyLimitBytes);
  installErrorHandling(
    server,
    onUndeclaredErrno ?? ((route, errno) => logger.error({ route, errno }, 'route answered an errno it does not declare')),
    services.metrics,
  );

  // One log line and one metric per request, with the route and outcome but nothing from the body.
  // Both hooks take `done` rather than being async: run on every request, a promise each is measurable.
  const { metrics } = services;
  server.addHook('onResponse', (request, reply, done) => {
    // Error responses carry the FxA errno, which tells 109 from 110 and 400/107 from 400/108.
    const errno = reply.errno === 0 ? undefined : reply.errno;
    metrics.request(
      {
        method: request.method,
        // The route pattern only: raw URLs would carry ids and make a series per request.
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        errno,
      },
      reply.elapsedTime / 1000,
    );
    request.log.info(
      {
        method: request.method,
        // The route pattern, or the bare path: query strings may carry codes (e.g. /verify_email?code=…).
        url: request.routeOptions.url ?? request.url.split('?')[0],
        status: reply.statusCode,
        ...(errno === undefined ? {} : { errno }),
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
    done();
  });

  // Every response, errors and 404s included, tells the client the server's time (docs/protocol.md §0)
  // and carries the security headers FxA's hapi server sends.
  server.addHook('onRequest', (_request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('Timestamp', String(Math.floor(services.clock.now() / 1000)));
    done();
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
          oauthToken: { type: 'http', scheme: 'bearer', description: 'An OAuth access token this server issued' },
          refreshToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'An OAuth refresh token with the Sync scope (Firefox for Android and iOS on the device routes)',
          },
        },
      },
    },
  });
  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger());
  server.get('/__metrics__', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.text()),
  );

  const authenticator = new Authenticator({
    publicUrl: config.publicUrl,
    timestampSkewSeconds: config.hawkTimestampSkewSeconds,
    clock: services.clock,
    nonces: services.kv,
  });
  const { sessionStrategy: sessionAuth, keyFetchStrategy: keyFetchAuth } = services.sessions;
  registerRoutes(server, authenticator, [
    ...accountRoutes({
      accounts: services.accounts,
      signin: services.signin,
      sessionAuth,
      keyFetchAuth,
      accessTokens: services.accessTokens,
    }),
    ...sessionRoutes({ sessions: services.sessions, signin: services.signin, codes: services.emails }),
    ...pushLoginRoutes({ sessionAuth, pushLogin: services.pushLogin }),
    ...emailsRoutes({
      emails: services.emails,
      secondaryEmails: services.secondaryEmails,
      reminders: services.reminders,
      sessionAuth,
    }),
    ...unblockRoutes({ unblock: services.unblock }),
    ...utilRoutes({ random: services.random, contentUrl: config.contentUrl }),
    ...oauthRoutes({
      signingKeys: services.signingKeys,
      oauth: services.oauth,
      accessTokens: services.accessTokens,
      assertions: new BrowserIdAssertions(services.signingKeys, services.clock, config.publicUrl),
      contentUrl: config.contentUrl,
    }),
    ...twinRoutes({
      oauth: services.oauth,
      sessionAuth,
      authenticate: services.authenticateSession,
      signingKeys: services.signingKeys,
      issuer: config.publicUrl,
      clock: services.clock,
    }),
    ...clientRoutes({ clients: services.clients }),
    ...browserIdRoutes({ browserId: services.browserId, sessionAuth }),
    ...attachedClientRoutes({ attached: services.attachedClients, sessionAuth }),
    ...deviceRoutes({ devices: services.devices, clock: services.clock }),
    // Device command queue and devices/notify: the caller is the token's account and device.
    ...deviceCommandRoutes({
      commands: services.deviceCommands,
      auth: services.devices.strategy,
      caller: (caller) => ({ uid: caller.uid, deviceId: caller.deviceId }),
      seen: (caller) => services.devices.recordAccess(caller),
    }),
    ...retiredRoutes(),
  ]);
  await registerProfileApi(server, authenticator, { profiles: services.profiles, accessTokens: services.accessTokens });
  // The same keys where OpenID Connect discovery looks for them.
  server.get('/.well-known/jwks.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`).send(await services.signingKeys.jwks()),
  );
  registerDiscovery(server, { publicUrl: config.publicUrl });
  // Firefox's autoconfig (identity.fxaccounts.autoconfig.uri = PUBLIC_URL).
  registerClientConfiguration(server, {
    publicUrl: config.publicUrl,
    syncTokenserverUrl: config.syncTokenserverUrl,
    pairingServerUrl: config.pairingServerUrl,
  });
  registerBrowserIdDocuments(server, services.browserId);
  registerRetiredVersions(server);
  registerDockerflow(server, {
    version: config.version,
    commit: config.commit,
    checks: services.healthChecks,
    timeoutMs: config.dependencyTimeoutMs,
  });

  // The web pages at the root (issue 10): sign-in/sign-up, the pages mailed links open, /static/.
  await registerPages(server, {
    publicUrl: config.publicUrl,
    now: () => services.clock.now(),
    onBuild: (reason) => logger.info({ reason }, 'building the web pages (esbuild)'),
  });

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
