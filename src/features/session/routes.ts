// Session endpoints (swagger tag "Session").

import { Type } from '@sinclair/typebox';
import { ERRNO } from '../../errors.js';
import { requestContext, type RequestContext } from '../../http/context.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { hex, hexOut, service } from '../../http/schemas.js';
import { parseUserAgent } from '../../http/user-agent.js';
import { metricsContextSchema } from '../../protocol/metrics-context.js';
import {
  fromHex,
  keysQuery,
  SIGNIN_ERRORS,
  signinBody,
  signinContext,
  signinInput,
  toHex,
  verificationFields,
} from '../account/schemas.js';
import { verificationStatus } from '../account/signin-policy.js';
import type { SigninService } from '../account/signin.js';
import type { SessionToken } from './model.js';
import type { SessionService } from './service.js';

const scope = Type.String({ maxLength: 256, pattern: '^[a-zA-Z0-9 _\\/.:-]*$' });

/** The confirmation-code rules these routes front (they live with the emails feature). */
export interface SessionCodes {
  verifySessionCode(session: SessionToken, code: string | undefined, ctx: RequestContext): Promise<void>;
  resendSessionCode(session: SessionToken, ctx: RequestContext): Promise<void>;
}

export interface SessionRouteDeps {
  sessions: SessionService;
  signin: Pick<SigninService, 'reauth'>;
  codes: SessionCodes;
}

export function sessionRoutes({ sessions, signin, codes }: SessionRouteDeps): RouteSpec[] {
  const auth = { strategy: sessions.sessionStrategy };
  return [
    defineRoute({
      method: 'GET',
      path: '/session/status',
      tag: 'Session',
      summary: 'Is this session token valid?',
      auth,
      errors: [],
      response: Type.Object({ state: Type.String(), uid: hexOut() }),
      async handler({ auth }) {
        const session = auth.token;
        return { state: session.verified ? 'verified' : 'unverified', uid: session.uid.toString('hex') };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/session/destroy',
      tag: 'Session',
      summary: 'Sign out',
      description: 'Destroys this session, or with `customSessionToken` (a tokenId) another session of the same account.',
      auth,
      errors: [],
      body: Type.Union([Type.Object({ customSessionToken: Type.Optional(hex(32)) }, { additionalProperties: false }), Type.Null()]),
      response: Type.Object({}),
      async handler({ auth, body }) {
        const target = body?.customSessionToken;
        await sessions.destroy(auth.token, target ? fromHex(target) : undefined);
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/session/duplicate',
      tag: 'Session',
      summary: 'Copy this session into a new token',
      description: 'Same confirmation state; a pending confirmation gets its own code.',
      auth,
      errors: [],
      body: Type.Union([
        Type.Object({ reason: Type.Optional(Type.String({ maxLength: 16 })) }, { additionalProperties: false }),
        Type.Null(),
      ]),
      response: Type.Object({
        uid: hexOut(),
        sessionToken: hexOut(),
        ...verificationFields,
        metricsEnabled: Type.Optional(Type.Boolean()),
      }),
      async handler({ auth, request }) {
        const session = auth.token;
        const copy = await sessions.duplicate(session, parseUserAgent(request.headers['user-agent']));
        // Unlike sign-in, a copy of an unconfirmed session reports unverified even when not mustVerify.
        const status = verificationStatus(
          { emailVerified: session.emailVerified, sessionVerified: session.verified, mustVerify: true },
          undefined,
        );
        return {
          uid: session.uid.toString('hex'),
          sessionToken: copy.tokenData.toString('hex'),
          authAt: Math.floor(session.authAt / 1000),
          ...status,
        };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/session/reauth',
      tag: 'Session',
      summary: 'Re-authenticate this session with the password',
      description: 'Like /account/login, but keeps the existing session (and its confirmation state and device).',
      auth,
      errors: SIGNIN_ERRORS,
      query: keysQuery,
      body: signinBody,
      response: Type.Object({
        uid: hexOut(),
        keyFetchToken: Type.Optional(hexOut()),
        keyFetchTokenVersion2: Type.Optional(hexOut()),
        ...verificationFields,
      }),
      async handler({ auth, body, query, request }) {
        const result = await signin.reauth(auth.token, signinInput(body, query), signinContext(request, body));
        return {
          ...result,
          uid: result.uid.toString('hex'),
          keyFetchToken: toHex(result.keyFetchToken),
          keyFetchTokenVersion2: toHex(result.keyFetchTokenVersion2),
        };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/session/verify_code',
      tag: 'Session',
      summary: 'Confirm this session with the mailed 6-digit code',
      description: 'Also verifies the account when its address is still unverified. Wrong or expired code: errno 183.',
      auth,
      errors: [ERRNO.INVALID_EXPIRED_OTP_CODE, ERRNO.THROTTLED, ERRNO.UNKNOWN_ACCOUNT],
      body: Type.Object(
        {
          code: Type.Optional(Type.String({ pattern: '^[0-9]+$', maxLength: 32 })),
          service: Type.Optional(service),
          scopes: Type.Optional(Type.Array(scope)),
          marketingOptIn: Type.Optional(Type.Boolean()),
          newsletters: Type.Optional(Type.Array(Type.String({ maxLength: 64 }))),
          metricsContext: Type.Optional(metricsContextSchema),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({}),
      async handler({ auth, body, request }) {
        await codes.verifySessionCode(
          auth.token,
          body.code,
          requestContext(request, { metricsContext: body.metricsContext, service: body.service }),
        );
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/session/resend_code',
      tag: 'Session',
      summary: 'Mail the 6-digit confirmation code again',
      description: 'verifyLoginCode for a verified account, the sign-up verifyShortCode otherwise.',
      auth,
      errors: [ERRNO.THROTTLED, ERRNO.FAILED_TO_SEND_EMAIL, ERRNO.UNKNOWN_ACCOUNT],
      response: Type.Object({}),
      async handler({ auth, request }) {
        await codes.resendSessionCode(auth.token, requestContext(request));
        return {};
      },
    }),
  ];
}
