// Account endpoints (swagger tag "Account", plus GET /account).

import { Type } from '@sinclair/typebox';
import { AppError } from '../../errors.js';
import { requestContext } from '../../http/context.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import {
  authPW,
  clientSalt,
  email,
  hex,
  hexOut,
  metricsContext,
  redirectTo,
  resume,
  service,
  style,
  verificationMethod,
  wrapKb,
} from '../../http/schemas.js';
import { fromHex, keysQuery, signinBody, signinContext, signinInput, toHex, verificationFields } from './schemas.js';
import type { Services } from '../../services.js';

export function accountRoutes({ accounts, signin, sessions }: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/account/create',
      tag: 'Account',
      summary: 'Create an account',
      description: 'Creates an account with a stretched password and signs it in; mails a verification link or code.',
      query: keysQuery,
      body: Type.Object(
        {
          email: email(),
          authPW,
          authPWVersion2: Type.Optional(hex(32)),
          wrapKb: Type.Optional(wrapKb),
          wrapKbVersion2: Type.Optional(hex(32)),
          clientSalt: Type.Optional(clientSalt),
          service: Type.Optional(service),
          redirectTo: Type.Optional(redirectTo),
          resume: Type.Optional(resume),
          metricsContext: Type.Optional(metricsContext),
          style: Type.Optional(style),
          verificationMethod: Type.Optional(verificationMethod),
          atLeast18AtReg: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
        },
        {
          additionalProperties: false,
          // The v2 credentials come as a set (PROTOCOL §1.3).
          dependencies: {
            authPWVersion2: ['wrapKb', 'wrapKbVersion2', 'clientSalt'],
            wrapKb: ['authPWVersion2', 'wrapKbVersion2', 'clientSalt'],
            wrapKbVersion2: ['authPWVersion2', 'wrapKb', 'clientSalt'],
            clientSalt: ['authPWVersion2', 'wrapKb', 'wrapKbVersion2'],
          },
        },
      ),
      response: Type.Object({
        uid: hexOut(),
        sessionToken: hexOut(),
        keyFetchToken: Type.Optional(hexOut()),
        keyFetchTokenVersion2: Type.Optional(hexOut()),
        authAt: Type.Integer(),
        verificationMethod: Type.Optional(verificationMethod),
      }),
      async handler({ body, query, request }) {
        const result = await accounts.create(
          {
            email: body.email,
            authPW: fromHex(body.authPW),
            authPWVersion2: body.authPWVersion2 ? fromHex(body.authPWVersion2) : undefined,
            wrapKb: body.wrapKb ? fromHex(body.wrapKb) : undefined,
            wrapKbVersion2: body.wrapKbVersion2 ? fromHex(body.wrapKbVersion2) : undefined,
            clientSalt: body.clientSalt,
            wantsKeys: query.keys === true,
            verificationMethod: body.verificationMethod,
            redirectTo: body.redirectTo,
            resume: body.resume,
            style: body.style,
          },
          requestContext(request, { metricsContext: body.metricsContext, service: body.service }),
        );
        return {
          uid: result.uid.toString('hex'),
          sessionToken: result.sessionToken.toString('hex'),
          keyFetchToken: toHex(result.keyFetchToken),
          keyFetchTokenVersion2: toHex(result.keyFetchTokenVersion2),
          authAt: result.authAt,
          verificationMethod: result.verificationMethod,
        };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/account/login',
      tag: 'Account',
      summary: 'Sign in',
      description: 'Obtains a sessionToken and, with `keys=true`, a keyFetchToken.',
      query: keysQuery,
      body: signinBody,
      response: Type.Object({
        uid: hexOut(),
        sessionToken: hexOut(),
        keyFetchToken: Type.Optional(hexOut()),
        keyFetchTokenVersion2: Type.Optional(hexOut()),
        ...verificationFields,
      }),
      async handler({ body, query, request }) {
        const result = await signin.login(signinInput(body, query), signinContext(request, body));
        return {
          ...result,
          uid: result.uid.toString('hex'),
          sessionToken: result.sessionToken.toString('hex'),
          keyFetchToken: toHex(result.keyFetchToken),
          keyFetchTokenVersion2: toHex(result.keyFetchTokenVersion2),
        };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/account/status',
      tag: 'Account',
      summary: 'Does an account exist?',
      description: 'With a session token: that account\'s status. Without: whether `uid` exists.',
      auth: { strategy: sessions.sessionStrategy, optional: true },
      query: Type.Object({ uid: Type.Optional(hex(16)) }),
      response: Type.Object({
        exists: Type.Boolean(),
        locale: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        hasPassword: Type.Optional(Type.Boolean()),
      }),
      async handler({ auth, query }) {
        if (auth) {
          const session = auth.token;
          return { exists: true, locale: session.locale, hasPassword: session.verifierSetAt > 0 };
        }
        if (!query.uid) throw AppError.missingParameter('uid');
        return { exists: await accounts.existsByUid(fromHex(query.uid)) };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/account/status',
      tag: 'Account',
      summary: 'Does an account exist for this email?',
      description: 'Rate limited; the email travels in the body rather than the URL.',
      body: Type.Object(
        {
          email: email(),
          thirdPartyAuthStatus: Type.Optional(Type.Boolean({ default: false })),
          checkDomain: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({
        exists: Type.Boolean(),
        hasLinkedAccount: Type.Optional(Type.Boolean()),
        hasPassword: Type.Optional(Type.Boolean()),
      }),
      async handler({ body, request }) {
        return accounts.statusByEmail(body.email, body.thirdPartyAuthStatus === true, requestContext(request));
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/account/credentials/status',
      tag: 'Account',
      summary: 'Which key-stretching version does this account use?',
      description: 'Returns `v2` and the clientSalt when v2 credentials are stored (PROTOCOL §1.3).',
      body: Type.Object({ email: email() }, { additionalProperties: false }),
      response: Type.Object({
        currentVersion: Type.Union([Type.Literal('v1'), Type.Literal('v2')]),
        clientSalt: Type.Optional(Type.String()),
        upgradeNeeded: Type.Boolean(),
      }),
      async handler({ body, request }) {
        return accounts.credentialsStatus(body.email, requestContext(request));
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/account/keys',
      tag: 'Account',
      summary: 'Fetch the encrypted kA‖wrapKb bundle',
      description: 'Needs a confirmed account and session (else errno 104, token kept); spends the keyFetchToken.',
      auth: { strategy: sessions.keyFetchStrategy },
      response: Type.Object({ bundle: hexOut() }),
      async handler({ auth }) {
        return { bundle: (await accounts.fetchKeys(auth.token)).toString('hex') };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/account/destroy',
      tag: 'Account',
      summary: 'Delete the account',
      description: 'Needs the password; with a session token, that session must be confirmed and of this account.',
      auth: { strategy: sessions.sessionStrategy, optional: true },
      body: Type.Object({ email: email(), authPW }, { additionalProperties: false }),
      response: Type.Object({}),
      async handler({ auth, body, request }) {
        await accounts.destroy(auth?.token ?? null, body.email, fromHex(body.authPW), requestContext(request));
        return {};
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/account',
      tag: 'Miscellaneous',
      summary: 'Account data',
      description: 'Subscriptions (none on this server) and the account\'s addresses and password state.',
      auth: { strategy: sessions.sessionStrategy },
      response: Type.Object({
        subscriptions: Type.Array(Type.Object({})),
        createdAt: Type.Integer(),
        passwordCreatedAt: Type.Integer(),
        hasPassword: Type.Boolean(),
        metricsOptOutAt: Type.Union([Type.Integer(), Type.Null()]),
        emails: Type.Array(Type.Object({ email: Type.String(), isPrimary: Type.Boolean(), verified: Type.Boolean() })),
      }),
      async handler({ auth }) {
        return { subscriptions: [], ...(await accounts.describe(auth.token)) };
      },
    }),
  ];
}

