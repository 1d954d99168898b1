// Account endpoints (swagger tag "Account", plus GET /account).

import { Type } from '@sinclair/typebox';
import { AppError, ERRNO } from '../../errors.js';
import type { AuthStrategy } from '../../http/auth.js';
import { requestContext } from '../../http/context.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import {
  authPW,
  clientSalt,
  email,
  hex,
  hexOut,
  redirectTo,
  resume,
  service,
  style,
  verificationMethod,
  wrapKb,
} from '../../http/schemas.js';
import { metricsContextSchema } from '../../protocol/metrics-context.js';
import type { KeyFetchToken, SessionToken } from '../session/model.js';
import { sessionOrAccessToken, type AccessTokenCheck } from './profile-auth.js';
import { fromHex, keysQuery, signinBody, signinContext, signinInput, toHex, verificationFields, SIGNIN_ERRORS } from './schemas.js';
import type { AccountService } from './service.js';
import type { SigninService } from './signin.js';

export interface AccountRouteDeps {
  accounts: AccountService;
  signin: Pick<SigninService, 'login'>;
  sessionAuth: AuthStrategy<SessionToken>;
  keyFetchAuth: AuthStrategy<KeyFetchToken>;
  /** GET /account/profile also takes an OAuth access token. */
  accessTokens: AccessTokenCheck;
}

export function accountRoutes({ accounts, signin, sessionAuth, keyFetchAuth, accessTokens }: AccountRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/account/create',
      tag: 'Account',
      summary: 'Create an account',
      description: 'Creates an account with a stretched password and signs it in; mails a verification link or code.',
      errors: [
        ERRNO.ACCOUNT_EXISTS,
        ERRNO.VERIFIED_SECONDARY_EMAIL_ALREADY_EXISTS,
        ERRNO.THROTTLED,
        ERRNO.FAILED_TO_SEND_EMAIL,
        ERRNO.SERVER_BUSY,
        // SIGNUP_POLICY refused the address.
        ERRNO.ACCOUNT_CREATION_REJECTED,
      ],
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
          metricsContext: Type.Optional(metricsContextSchema),
          style: Type.Optional(style),
          verificationMethod: Type.Optional(verificationMethod),
          atLeast18AtReg: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
        },
        {
          additionalProperties: false,
          // The v2 credentials come as a set (docs/protocol.md §1.3).
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
      errors: SIGNIN_ERRORS,
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
      description: "With a session token: that account's status. Without: whether `uid` exists.",
      auth: { strategy: sessionAuth, optional: true },
      errors: [],
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
      errors: [ERRNO.THROTTLED],
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
      description: 'Returns `v2` and the clientSalt when v2 credentials are stored (docs/protocol.md §1.3).',
      errors: [ERRNO.UNKNOWN_ACCOUNT, ERRNO.LOGIN_WITH_INVALID_EMAIL, ERRNO.THROTTLED],
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
      path: '/account/profile',
      tag: 'Account',
      summary: "The account's email, locale and authentication methods",
      description:
        'With a session token: every field. With an OAuth access token (`Authorization: Bearer <token>`): `email` needs `profile:email`, `locale` `profile:locale`, `authenticationMethods` and `authenticatorAssuranceLevel` `profile:amr`, `accountDisabledAt` `profile:account_disabled_at`, `accountLockedAt` `profile:account_locked_at` (`profile` implies them all). A token that may see none of them gets `{}`.',
      auth: { strategy: sessionOrAccessToken(sessionAuth, accessTokens) },
      errors: [ERRNO.UNKNOWN_ACCOUNT],
      response: Type.Object({
        email: Type.Optional(Type.String()),
        locale: Type.Optional(Type.String()),
        authenticationMethods: Type.Optional(Type.Array(Type.String())),
        authenticatorAssuranceLevel: Type.Optional(Type.Integer({ minimum: 0 })),
        accountDisabledAt: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
        accountLockedAt: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
        profileChangedAt: Type.Optional(Type.Integer({ minimum: 0 })),
        metricsEnabled: Type.Optional(Type.Boolean()),
      }),
      async handler({ auth }) {
        return accounts.profile(auth.token.uid, auth.token.allows);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/account/keys',
      tag: 'Account',
      summary: 'Fetch the encrypted kA‖wrapKb bundle',
      description: 'Needs a confirmed account and session (else errno 104, token kept); spends the keyFetchToken.',
      auth: { strategy: keyFetchAuth, verifiedEmail: true, confirmedToken: true },
      errors: [],
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
      description:
        'Needs the password; a session token, when sent, must be of this account (and at AAL2 once it has two-step authentication). An account without a password needs its session token.',
      auth: { strategy: sessionAuth, optional: true, accountAssurance: true },
      errors: [
        ERRNO.UNKNOWN_ACCOUNT,
        ERRNO.INCORRECT_PASSWORD,
        ERRNO.INCORRECT_EMAIL_CASE,
        ERRNO.ACCOUNT_RESET,
        ERRNO.THROTTLED,
        ERRNO.SERVER_BUSY,
      ],
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
      description: "Subscriptions (none on this server) and the account's addresses and password state.",
      auth: { strategy: sessionAuth },
      errors: [ERRNO.UNKNOWN_ACCOUNT],
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
