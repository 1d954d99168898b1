// Unblock-code endpoints (swagger tag "Unblock codes").

import { Type } from '@sinclair/typebox';
import { ERRNO } from '../../errors.js';
import { requestContext } from '../../http/context.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { email, HEX_STRING } from '../../http/schemas.js';
import { metricsContextSchema } from '../../protocol/metrics-context.js';
import { unblockCodeSchema } from './schemas.js';
import type { UnblockService } from './service.js';

export function unblockRoutes({ unblock }: { unblock: UnblockService }): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/account/login/send_unblock_code',
      tag: 'Unblock codes',
      summary: 'Mail an unblock code',
      description: 'The code lets a rate-limited sign-in through (send it as `unblockCode`), once, within an hour.',
      errors: [ERRNO.UNKNOWN_ACCOUNT, ERRNO.THROTTLED, ERRNO.FAILED_TO_SEND_EMAIL],
      body: Type.Object({ email: email(), metricsContext: Type.Optional(metricsContextSchema) }, { additionalProperties: false }),
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
      errors: [ERRNO.INVALID_UNBLOCK_CODE, ERRNO.THROTTLED],
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
