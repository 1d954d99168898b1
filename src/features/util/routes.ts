// Utility endpoints (swagger tag "Util").

import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { email, HEX_STRING, hexOut } from '../../http/schemas.js';
import type { Services } from '../../services.js';

const alphanumeric = Type.String({ maxLength: 16, pattern: '^[a-zA-Z0-9]*$' });
const hexUpTo = (bytes: number) => Type.String({ pattern: HEX_STRING, maxLength: bytes * 2 });

/** The web page at the content origin, with the query exactly as received. */
function contentPage(contentUrl: string, path: string, request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return `${contentUrl}${path}${query < 0 ? '' : request.url.slice(query)}`;
}

export function utilRoutes({ random, config }: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/verify_email',
      tag: 'Util',
      summary: 'Old verification links: redirect to the web page',
      description: 'Links of the form /v1/verify_email?uid&code go to CONTENT_URL/verify_email with the same query.',
      query: Type.Object({
        code: hexUpTo(16),
        uid: hexUpTo(16),
        service: Type.Optional(alphanumeric),
        redirectTo: Type.Optional(Type.String({ maxLength: 2048 })),
        reminder: Type.Optional(Type.String({ pattern: '^(?:first|second|final)$' })),
      }),
      response: Type.Null(),
      async handler({ request, reply }) {
        return reply.redirect(contentPage(config.contentUrl, '/verify_email', request), 302);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/complete_reset_password',
      tag: 'Util',
      summary: 'Old password-reset links: redirect to the web page',
      description: 'Links of the form /v1/complete_reset_password?email&code&token go to CONTENT_URL/complete_reset_password.',
      query: Type.Object({
        email: email(),
        code: hexUpTo(16),
        token: hexUpTo(32),
        service: Type.Optional(alphanumeric),
        redirectTo: Type.Optional(Type.String({ maxLength: 2048 })),
      }),
      response: Type.Null(),
      async handler({ request, reply }) {
        return reply.redirect(contentPage(config.contentUrl, '/complete_reset_password', request), 302);
      },
    }),

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
