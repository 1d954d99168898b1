// Utility endpoints (swagger tag "Util").

import { Type, type TProperties } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { email, HEX_STRING, hexOut, redirectTo } from '../../http/schemas.js';
import type { RandomSource } from '../../runtime.js';

const alphanumeric = Type.String({ maxLength: 16, pattern: '^[a-zA-Z0-9]*$' });
const hexUpTo = (bytes: number) => Type.String({ pattern: HEX_STRING, maxLength: bytes * 2 });

/**
 * Links of the form /v1<path>?… (old mails) go to the web page CONTENT_URL<path> with the
 * query exactly as received, once it validates.
 */
function legacyLinkRedirect(contentUrl: string, path: string, query: TProperties): RouteSpec {
  return defineRoute({
    method: 'GET',
    path,
    tag: 'Util',
    summary: `Redirect ${path} links to the web page`,
    description: `Answers 302 to CONTENT_URL${path} with the same query.`,
    errors: [],
    query: Type.Object(query),
    response: Type.Null(),
    async handler({ request, reply }) {
      const search = request.url.indexOf('?');
      return reply.redirect(`${contentUrl}${path}${search < 0 ? '' : request.url.slice(search)}`, 302);
    },
  });
}

export function utilRoutes({ random, contentUrl }: { random: RandomSource; contentUrl: string }): RouteSpec[] {
  return [
    legacyLinkRedirect(contentUrl, '/verify_email', {
      code: hexUpTo(16),
      uid: hexUpTo(16),
      service: Type.Optional(alphanumeric),
      redirectTo: Type.Optional(redirectTo),
      reminder: Type.Optional(Type.String({ pattern: '^(?:first|second|final)$' })),
    }),
    legacyLinkRedirect(contentUrl, '/complete_reset_password', {
      email: email(),
      code: hexUpTo(16),
      token: hexUpTo(32),
      service: Type.Optional(alphanumeric),
      redirectTo: Type.Optional(redirectTo),
    }),
    defineRoute({
      method: 'POST',
      path: '/get_random_bytes',
      tag: 'Util',
      summary: '32 bytes of server randomness',
      description: 'To be mixed with local entropy by the client, never used alone.',
      errors: [],
      response: Type.Object({ data: hexOut() }),
      async handler() {
        return { data: random(32).toString('hex') };
      },
    }),
  ];
}
