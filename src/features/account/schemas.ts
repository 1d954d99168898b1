// Request and response pieces shared by the sign-in endpoints (login and reauth).

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { requestContext, type RequestContext } from '../../http/context.js';
import {
  authPW,
  body,
  email,
  metricsContext,
  queryBoolean,
  redirectTo,
  resume,
  service,
  verificationMethod,
} from '../../http/schemas.js';
import { unblockCodeSchema } from '../unblock/routes.js';
import type { SigninInput } from './signin.js';

export const fromHex = (value: string): Buffer => Buffer.from(value, 'hex');
export const toHex = (value: Buffer | undefined): string | undefined => value?.toString('hex');

export const keysQuery = Type.Object({
  keys: Type.Optional(queryBoolean),
  service: Type.Optional(service),
  verificationMethod: Type.Optional(verificationMethod),
});

export const signinBody = body({
  email: email(),
  authPW,
  service: Type.Optional(service),
  redirectTo: Type.Optional(redirectTo),
  resume: Type.Optional(resume),
  reason: Type.Optional(Type.String({ maxLength: 16 })),
  unblockCode: Type.Optional(unblockCodeSchema),
  metricsContext: Type.Optional(metricsContext),
  originalLoginEmail: Type.Optional(email()),
  verificationMethod: Type.Optional(verificationMethod),
});

/** Fields of a sign-in response that report confirmation state. */
export const verificationFields = {
  verified: Type.Boolean(),
  emailVerified: Type.Boolean(),
  sessionVerified: Type.Boolean(),
  verificationMethod: Type.Optional(Type.String()),
  verificationReason: Type.Optional(Type.String()),
  authAt: Type.Integer(),
  metricsEnabled: Type.Boolean(),
};

type SigninBody = Static<typeof signinBody>;
type KeysQuery = Static<typeof keysQuery>;

/** What login and reauth hand the account service from their identical request shapes. */
export function signinInput(body: SigninBody, query: KeysQuery): SigninInput {
  return {
    email: body.email,
    authPW: fromHex(body.authPW),
    unblockCode: body.unblockCode,
    wantsKeys: query.keys === true,
    originalLoginEmail: body.originalLoginEmail,
    verificationMethod: body.verificationMethod,
    redirectTo: body.redirectTo,
    resume: body.resume,
  };
}

/** The request facts of a sign-in: flow metrics and the service from the body. */
export function signinContext(request: FastifyRequest, body: SigninBody): RequestContext {
  return requestContext(request, { metricsContext: body.metricsContext, service: body.service });
}
