// Address confirmation endpoints (swagger tag "Emails").

import { Type } from '@sinclair/typebox';
import { ERRNO } from '../../errors.js';
import type { AuthStrategy } from '../../http/auth.js';
import { requestContext } from '../../http/context.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { email, hex, HEX_STRING, redirectTo, resume, service, style } from '../../http/schemas.js';
import type { SessionToken } from '../session/model.js';
import type { SecondaryEmailService } from './secondary.js';
import type { EmailsService } from './service.js';

const NEWSLETTERS = [
  'firefox-accounts-journey',
  'knowledge-is-power',
  'mozilla-foundation',
  'take-action-for-the-internet',
  'test-pilot',
  'mozilla-and-you',
  'security-privacy-news',
  'mozilla-accounts',
  'hubs',
  'mdnplus',
] as const;

const emailBody = Type.Object({ email: email() }, { additionalProperties: false });
const listedEmail = Type.Object({ email: Type.String(), isPrimary: Type.Boolean(), verified: Type.Boolean() });

export interface EmailsRouteDeps {
  emails: EmailsService;
  secondaryEmails: SecondaryEmailService;
  reminders: { scheduleConnectAnotherDevice(uid: Buffer): Promise<void> };
  sessionAuth: AuthStrategy<SessionToken>;
}

export function emailsRoutes({ emails, secondaryEmails, reminders, sessionAuth }: EmailsRouteDeps): RouteSpec[] {
  const auth = { strategy: sessionAuth };
  /** Changing the account's addresses needs a confirmed session (138), as every security change does. */
  const confirmed = { strategy: sessionAuth, confirmedToken: true };
  return [
    defineRoute({
      method: 'POST',
      path: '/recovery_email/verify_code',
      tag: 'Emails',
      summary: 'Confirm an address or a sign-in with the code from a mailed link',
      description:
        'The code is the sign-up code (verifies the account) or a sign-in code (confirms that session). Wrong code: errno 105.',
      errors: [ERRNO.UNKNOWN_ACCOUNT, ERRNO.INVALID_VERIFICATION_CODE, ERRNO.THROTTLED],
      body: Type.Object(
        {
          uid: Type.String({ pattern: HEX_STRING, maxLength: 32 }),
          code: hex(16),
          service: Type.Optional(service),
          reminder: Type.Optional(Type.String({ pattern: '^(?:first|second|final)$' })),
          type: Type.Optional(Type.String({ maxLength: 32, pattern: '^[a-zA-Z0-9]*$' })),
          style: Type.Optional(style),
          marketingOptIn: Type.Optional(Type.Boolean()),
          newsletters: Type.Optional(Type.Array(Type.Union(NEWSLETTERS.map((n) => Type.Literal(n))))),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({}),
      async handler({ body, request }) {
        await emails.verifyLinkCode(
          Buffer.from(body.uid, 'hex'),
          Buffer.from(body.code, 'hex'),
          requestContext(request, { service: body.service }),
        );
        return {};
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/recovery_email/status',
      tag: 'Emails',
      summary: 'Is the primary address (and this session) verified?',
      auth,
      errors: [],
      query: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 16 })) }),
      response: Type.Object({
        email: Type.String(),
        verified: Type.Boolean(),
        sessionVerified: Type.Boolean(),
        emailVerified: Type.Boolean(),
      }),
      async handler({ auth }) {
        return emails.status(auth.token);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/emails/reminders/cad',
      tag: 'Emails',
      summary: 'Remind me to connect another device',
      description: 'Schedules the two "connect another device" reminder mails (after 8 and 72 hours).',
      auth,
      errors: [],
      response: Type.Object({}),
      async handler({ auth }) {
        await reminders.scheduleConnectAnotherDevice(auth.token.uid);
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/recovery_email/resend_code',
      tag: 'Emails',
      summary: 'Mail the confirmation link again',
      description:
        'The sign-up link while the account is unverified, else the sign-in link this session waits on; nothing when all is confirmed.',
      auth,
      errors: [ERRNO.UNKNOWN_ACCOUNT, ERRNO.THROTTLED, ERRNO.RESEND_EMAIL_CODE_TO_UNOWNED_EMAIL, ERRNO.FAILED_TO_SEND_EMAIL],
      query: Type.Object({ service: Type.Optional(service), type: Type.Optional(Type.Literal('upgradeSession')) }),
      body: Type.Union([
        Type.Object(
          {
            email: Type.Optional(email()),
            service: Type.Optional(service),
            redirectTo: Type.Optional(redirectTo),
            resume: Type.Optional(resume),
            style: Type.Optional(style),
            type: Type.Optional(Type.Literal('upgradeSession')),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
      response: Type.Object({}),
      async handler({ auth, body, query, request }) {
        await emails.resendLink(
          auth.token,
          {
            email: body?.email,
            type: body?.type ?? query.type,
            redirectTo: body?.redirectTo,
            resume: body?.resume,
            style: body?.style,
          },
          requestContext(request, { service: body?.service }),
        );
        return {};
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/recovery_emails',
      tag: 'Emails',
      summary: "The account's addresses",
      description: 'The primary first, then secondary addresses with their verification state.',
      auth,
      errors: [],
      response: Type.Array(listedEmail),
      async handler({ auth }) {
        return secondaryEmails.list(auth.token);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/recovery_email',
      tag: 'Emails',
      summary: 'Add a secondary address',
      description: 'Mails a 6-digit code to the new address; confirm it with /recovery_email/secondary/verify_code.',
      auth: { ...confirmed, verifiedEmail: true },
      errors: [
        ERRNO.UNKNOWN_ACCOUNT,
        ERRNO.THROTTLED,
        ERRNO.EMAIL_EXISTS,
        ERRNO.USER_PRIMARY_EMAIL_EXISTS,
        ERRNO.VERIFIED_PRIMARY_EMAIL_EXISTS,
        ERRNO.VERIFIED_SECONDARY_EMAIL_EXISTS,
        ERRNO.FAILED_TO_SEND_EMAIL,
      ],
      body: emailBody,
      response: Type.Object({}),
      async handler({ auth, body, request }) {
        await secondaryEmails.add(auth.token, body.email, requestContext(request));
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/recovery_email/secondary/resend_code',
      tag: 'Emails',
      summary: 'Mail the code for a secondary address again',
      auth: confirmed,
      errors: [ERRNO.UNKNOWN_ACCOUNT, ERRNO.THROTTLED, ERRNO.RESEND_EMAIL_CODE_TO_UNOWNED_EMAIL, ERRNO.FAILED_TO_SEND_EMAIL],
      body: emailBody,
      response: Type.Object({}),
      async handler({ auth, body, request }) {
        await secondaryEmails.resendCode(auth.token, body.email, requestContext(request));
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/recovery_email/secondary/verify_code',
      tag: 'Emails',
      summary: 'Confirm a secondary address with its code',
      auth: confirmed,
      errors: [ERRNO.UNKNOWN_ACCOUNT, ERRNO.THROTTLED, ERRNO.SECONDARY_EMAIL_UNKNOWN, ERRNO.INVALID_VERIFICATION_CODE],
      body: Type.Object(
        { email: email(), code: Type.String({ pattern: '^[0-9]+$', maxLength: 32 }) },
        { additionalProperties: false },
      ),
      response: Type.Object({}),
      async handler({ auth, body, request }) {
        await secondaryEmails.verify(auth.token, body.email, body.code, requestContext(request));
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/recovery_email/destroy',
      tag: 'Emails',
      summary: 'Remove a secondary address',
      auth: confirmed,
      errors: [ERRNO.UNKNOWN_ACCOUNT, ERRNO.EMAIL_DELETE_PRIMARY],
      body: emailBody,
      response: Type.Object({}),
      async handler({ auth, body, request }) {
        await secondaryEmails.remove(auth.token, body.email, requestContext(request));
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/recovery_email/set_primary',
      tag: 'Emails',
      summary: 'Make a verified secondary address the primary',
      auth: confirmed,
      errors: [ERRNO.UNKNOWN_ACCOUNT, ERRNO.CHANGE_EMAIL_TO_UNOWNED_EMAIL, ERRNO.CHANGE_EMAIL_TO_UNVERIFIED_EMAIL],
      body: emailBody,
      response: Type.Object({}),
      async handler({ auth, body, request }) {
        await secondaryEmails.setPrimary(auth.token, body.email, requestContext(request));
        return {};
      },
    }),
  ];
}
