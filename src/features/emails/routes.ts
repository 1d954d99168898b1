// Address confirmation endpoints (swagger tag "Emails").

import { Type } from '@sinclair/typebox';
import { requestContext } from '../../http/context.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { hex, HEX_STRING, service, style } from '../../http/schemas.js';
import type { Services } from '../../services.js';

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

export function emailsRoutes({ emails, sessions }: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/recovery_email/verify_code',
      tag: 'Emails',
      summary: 'Confirm an address or a sign-in with the code from a mailed link',
      description: 'The code is the sign-up code (verifies the account) or a sign-in code (confirms that session). Wrong code: errno 105.',
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
      auth: { strategy: sessions.sessionStrategy },
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
  ];
}
