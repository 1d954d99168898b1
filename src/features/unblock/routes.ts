// Unblock-code endpoints (swagger tag "Unblock codes").

import { Type } from '@sinclair/typebox';
import { requestContext } from '../../http/context.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { email, HEX_STRING, metricsContext } from '../../http/schemas.js';
import type { Services } from '../../services.js';

export const unblockCodeSchema = Type.String({ pattern: '^[a-zA-Z0-9]*$', minLength: 8, maxLength: 8 });

export function unblockRoutes({ unblock }: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/account/login/send_unblock_code',
      tag: 'Unblock codes',
      summary: 'Mail an unblock code',
      description: 'The code lets a rate-limited sign-in through (send it as `unblockCode`), once, within an hour.',
      body: Type.Object({ email: email(), metricsContext: Type.Optional(metricsContext) }, { additionalProperties: false }),
      response: Type.Object({}),
      async handler({ body, request }) {
        await unblock.send(body.email, requestContext(request, { metricsContext: body.metricsContext }));
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/account/login/reject_unblock_code',
      tag: 'Unblock codes',
      summary: 'Report an unblock code the user did not ask for',
      description: 'Spends the code so nobody can use it. Unknown code: errno 127.',
      body: Type.Object(
        { uid: Type.String({ pattern: HEX_STRING, maxLength: 32 }), unblockCode: unblockCodeSchema },
        { additionalProperties: false },
      ),
      response: Type.Object({}),
      async handler({ body, request }) {
        await unblock.reject(Buffer.from(body.uid, 'hex'), body.unblockCode, requestContext(request));
        return {};
      },
    }),
  ];
}
