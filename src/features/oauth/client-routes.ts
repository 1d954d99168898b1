// GET /v1/client/:client_id (OAuth server; the content server shows the client's name) and its
// auth-server twin GET /v1/oauth/client/:client_id, which answers in the auth errno table.

import { Type } from '@sinclair/typebox';
import { ERRNO, OAUTH_ERRNO, toAuthError } from '../../errors.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { hex, hexOut } from '../../http/schemas.js';
import type { ClientRegistry, OAuthClient } from './clients.js';

const params = Type.Object({
  client_id: hex(8, 'The OAuth client identifier (16 hex digits)'),
});

const clientInfo = Type.Object({
  id: hexOut('The client id'),
  name: Type.String({ description: 'Its display name' }),
  trusted: Type.Boolean({ description: 'A first-party client: no consent screen' }),
  image_uri: Type.String({ description: 'A logo URL; may be empty' }),
  redirect_uri: Type.String({
    description: 'Its registered redirect URIs, comma-separated (the first is the default); may be empty',
  }),
});

/** FxA's shape: the redirect URIs as the one comma-separated string it stores. */
const describeClient = (client: OAuthClient) => ({
  id: client.idHex,
  name: client.name,
  trusted: client.trusted,
  image_uri: client.imageUri,
  redirect_uri: client.redirectUris.join(','),
});

export function clientRoutes({ clients }: { clients: Pick<ClientRegistry, 'require'> }): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/client/:client_id',
      tag: 'OAuth',
      summary: 'Public information about an OAuth client',
      description: 'For the sign-in pages: the name, logo and redirect URIs of a client. Answers for disabled clients too.',
      errors: { oauth: [OAUTH_ERRNO.UNKNOWN_CLIENT] },
      params,
      response: clientInfo,
      async handler({ params: { client_id } }) {
        return describeClient(await clients.require(client_id));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/oauth/client/:client_id',
      tag: 'Oauth',
      summary: 'Public information about an OAuth client (auth-server twin)',
      description: 'The same as GET /v1/client/{client_id}, answering in the auth errno table (162 for an unknown client).',
      errors: [ERRNO.UNKNOWN_CLIENT_ID],
      params,
      response: clientInfo,
      async handler({ params: { client_id } }) {
        try {
          return describeClient(await clients.require(client_id));
        } catch (err) {
          throw toAuthError(err);
        }
      },
    }),
  ];
}
