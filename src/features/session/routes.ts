// Session endpoints (swagger tag "Session").

import { Type } from '@sinclair/typebox';
import { requestContext } from '../../http/context.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { hex, hexOut, metricsContext, service } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import { fromHex, keysQuery, signinBody, signinContext, signinInput, toHex, verificationFields } from '../account/schemas.js';
import { verificationStatus } from '../account/signin-policy.js';
import { parseUserAgent } from './user-agent.js';

const scope = Type.String({ maxLength: 256, pattern: '^[a-zA-Z0-9 _\\/.:-]*$' });

export function sessionRoutes({ signin, sessions, emails, db }: Services): RouteSpec[] {
  const auth = { strategy: sessions.sessionStrategy };
  return [
    defineRoute({
      method: 'GET',
      path: '/session/status',
      tag: 'Session',
      summary: 'Is this session token valid?',
      auth,
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
      body: Type.Union([Type.Object({ customSessionToken: Type.Optional(hex(32)) }, { additionalProperties: false }), Type.Null()]),
      response: Type.Object({}),
      async handler({ auth, body }) {
        const target = body?.customSessionToken;
        await db.kysely.transaction().execute((trx) =>
          target
            ? sessions.destroyOwnedSession(trx, auth.token.uid, fromHex(target))
            : sessions.destroySession(trx, auth.tokenId),
        );
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
      body: Type.Union([Type.Object({ reason: Type.Optional(Type.String({ maxLength: 16 })) }, { additionalProperties: false }), Type.Null()]),
      response: Type.Object({ uid: hexOut(), sessionToken: hexOut(), ...verificationFields, metricsEnabled: Type.Optional(Type.Boolean()) }),
      async handler({ auth, request }) {
        const session = auth.token;
        const copy = await db.kysely
          .transaction()
          .execute((trx) => sessions.duplicateSession(trx, session, parseUserAgent(request.headers['user-agent'])));
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
      query: keysQuery,
      body: signinBody,
      response: Type.Object({ uid: hexOut(), keyFetchToken: Type.Optional(hexOut()), keyFetchTokenVersion2: Type.Optional(hexOut()), ...verificationFields }),
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
      body: Type.Object(
        {
          code: Type.Optional(Type.String({ pattern: '^[0-9]+$', maxLength: 32 })),
          service: Type.Optional(service),
          scopes: Type.Optional(Type.Array(scope)),
          marketingOptIn: Type.Optional(Type.Boolean()),
          newsletters: Type.Optional(Type.Array(Type.String({ maxLength: 64 }))),
          metricsContext: Type.Optional(metricsContext),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({}),
      async handler({ auth, body, request }) {
        await emails.verifySessionCode(
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
      response: Type.Object({}),
      async handler({ auth, request }) {
        await emails.resendSessionCode(auth.token, requestContext(request));
        return {};
      },
    }),
  ];
}
