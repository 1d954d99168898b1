// Sign-in approval by Web Push (swagger tag "Session"): the rules are in push-login.ts.

import { Type } from '@sinclair/typebox';
import { ERRNO } from '../../errors.js';
import { requestContext } from '../../http/context.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { hex } from '../../http/schemas.js';
import type { SessionToken } from './model.js';
import type { PushLoginService } from './push-login.js';
import type { SessionService } from './service.js';

export interface PushLoginRouteDeps {
  sessionAuth: SessionService['sessionStrategy'];
  pushLogin: PushLoginService;
}

export function pushLoginRoutes({ sessionAuth, pushLogin }: PushLoginRouteDeps): RouteSpec[] {
  const auth = { strategy: sessionAuth };
  return [
    defineRoute({
      method: 'POST',
      path: '/session/verify/send_push',
      tag: 'Session',
      summary: 'Ask the account’s other devices to approve this sign-in',
      description:
        'Pushes `fxaccounts:verify_login` ({title, body, url}) to the account’s confirmed desktop Firefox devices, except this one; the url opens the content server’s `/signin_push_code_confirm` with the code. Always `{}`: delivery errors are logged, and a confirmed session sends nothing.',
      auth,
      errors: [ERRNO.THROTTLED, ERRNO.UNKNOWN_ACCOUNT],
      body: Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]),
      response: Type.Object({}),
      async handler({ auth, request }) {
        await pushLogin.sendPush(auth.token as SessionToken, requestContext(request));
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/session/verify/verify_push',
      tag: 'Session',
      summary: 'Approve another sign-in with the pushed code',
      description:
        'Confirms the session waiting on `tokenVerificationId` when `code` is the account’s current 6-digit code (else errno 183). Nothing waiting on it: `{}`.',
      auth,
      errors: [ERRNO.INVALID_EXPIRED_OTP_CODE, ERRNO.THROTTLED, ERRNO.UNKNOWN_ACCOUNT],
      body: Type.Object(
        {
          code: Type.String({ pattern: '^[0-9]+$', maxLength: 32 }),
          tokenVerificationId: hex(16),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({}),
      async handler({ auth, body, request }) {
        await pushLogin.verifyPush(
          auth.token as SessionToken,
          body.code,
          Buffer.from(body.tokenVerificationId, 'hex'),
          requestContext(request),
        );
        return {};
      },
    }),
  ];
}
