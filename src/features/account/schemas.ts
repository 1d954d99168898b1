// Request and response pieces shared by the sign-in endpoints (login and reauth).

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ERRNO, type Errno } from '../../errors.js';
import { requestContext, type RequestContext } from '../../http/context.js';
import { authPW, body, email, queryBoolean, redirectTo, resume, service, verificationMethod } from '../../http/schemas.js';
import { metricsContextSchema } from '../../protocol/metrics-context.js';
import { unblockCodeSchema } from '../unblock/schemas.js';
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
  metricsContext: Type.Optional(metricsContextSchema),
  originalLoginEmail: Type.Optional(email()),
  verificationMethod: Type.Optional(verificationMethod),
});

/** What a sign-in (login or reauth) may answer besides validation errors. */
export const SIGNIN_ERRORS: readonly Errno[] = [
  ERRNO.UNKNOWN_ACCOUNT,
  ERRNO.INCORRECT_PASSWORD,
  ERRNO.INCORRECT_EMAIL_CASE,
  ERRNO.ACCOUNT_RESET,
  ERRNO.LOGIN_WITH_SECONDARY_EMAIL,
  ERRNO.LOGIN_WITH_INVALID_EMAIL,
  ERRNO.THROTTLED,
  ERRNO.REQUEST_BLOCKED,
  ERRNO.INVALID_UNBLOCK_CODE,
  ERRNO.FAILED_TO_SEND_EMAIL,
  ERRNO.TOTP_REQUIRED,
  ERRNO.SERVER_BUSY,
];

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
