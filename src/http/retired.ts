// What FxA has retired answers 410 errno 116 ("This endpoint is no longer supported"),
// as FxA does, rather than 404: clients that still call it learn it is gone for good.
//
// - Operations FxA removed but still answers (fxa-auth-server lib/routes/account):
//   the account unlock flow, and /account/lock (FxA registers that one outside
//   production only).
// - Any method on any path of API version 0 (fxa-auth-server lib/routes/defaults: `/v0/{p*}`).

import type {} from '@fastify/swagger'; // adds `hide` to route schemas
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, ERRNO } from '../errors.js';
import { defineRoute, type RouteSpec } from './route.js';

const gone = (): never => {
  throw new AppError(ERRNO.ENDPOINT_NOT_SUPPORTED);
};

function retired(path: string, summary: string): RouteSpec {
  return defineRoute({
    method: 'POST',
    path,
    tag: 'Retired',
    summary,
    description: 'Retired by Firefox Accounts; always answers 410 errno 116.',
    retired: true,
    errors: [ERRNO.ENDPOINT_NOT_SUPPORTED],
    response: Type.Object({}),
    async handler() {
      return gone();
    },
  });
}

/** The /v1 operations FxA retired, declared like any route so /openapi.json lists them as deprecated. */
export function retiredRoutes(): RouteSpec[] {
  return [
    retired('/account/unlock/resend_code', 'Resend an account unlock code (retired)'),
    retired('/account/unlock/verify_code', 'Verify an account unlock code (retired)'),
    retired('/account/lock', 'Lock an account (retired)'),
  ];
}

/** API version 0: every method, every path under /v0. Not in /openapi.json. */
export function registerRetiredVersions(app: FastifyInstance): void {
  const options = { schema: { hide: true } };
  app.all('/v0', options, async () => gone());
  app.all('/v0/*', options, async () => gone());
}
