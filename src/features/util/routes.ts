// Utility endpoints (swagger tag "Util").

import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { hexOut } from '../../http/schemas.js';
import type { Services } from '../../services.js';

export function utilRoutes({ random }: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/get_random_bytes',
      tag: 'Util',
      summary: '32 bytes of server randomness',
      description: 'To be mixed with local entropy by the client, never used alone.',
      response: Type.Object({ data: hexOut() }),
      async handler() {
        return { data: random(32).toString('hex') };
      },
    }),
  ];
}
