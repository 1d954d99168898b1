// Attached clients and the session list (swagger tag "Devices and Sessions", PROTOCOL.md §9.4).

import { Type, type TSchema } from '@sinclair/typebox';
import { ERRNO } from '../../errors.js';
import type { AuthStrategy } from '../../http/auth.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { body, hex, hexOut } from '../../http/schemas.js';
import type { SessionToken } from '../session/model.js';
import type { AttachedClientsService } from './attached-service.js';

const TAG = 'Devices and Sessions';

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const location = Type.Object(
  {
    city: Type.Optional(Type.String()),
    country: Type.Optional(Type.String()),
    countryCode: Type.Optional(Type.String()),
    state: Type.Optional(Type.String()),
    stateCode: Type.Optional(Type.String()),
  },
  { description: 'Where the client was last seen; always empty here (no geo-IP lookups)' },
);

const formattedTimes = {
  createdTimeFormatted: Type.Optional(Type.String({ description: 'moment-style "5 minutes ago" in the Accept-Language language' })),
  lastAccessTimeFormatted: Type.Optional(Type.String()),
  approximateLastAccessTime: Type.Optional(Type.Number({ minimum: 0 })),
  approximateLastAccessTimeFormatted: Type.Optional(Type.String()),
};

const sessionHandle = (description: string) => hexOut(description);

const attachedClient = Type.Object({
  clientId: nullable(hexOut()),
  deviceId: nullable(hexOut()),
  sessionTokenId: nullable(
    sessionHandle('The session, as an opaque handle (never the token id): pass it back to /account/attached_client/destroy'),
  ),
  sessionTokenHandle: nullable(sessionHandle('The same handle under the newest FxA name')),
  refreshTokenId: nullable(hexOut()),
  isCurrentSession: Type.Boolean(),
  deviceType: nullable(Type.String()),
  name: nullable(Type.String()),
  createdTime: nullable(Type.Number({ minimum: 0 })),
  lastAccessTime: nullable(Type.Number({ minimum: 0 })),
  ...formattedTimes,
  scope: nullable(Type.Array(Type.String())),
  location,
  userAgent: Type.String(),
  os: nullable(Type.String()),
});

const sessionListing = Type.Object({
  id: sessionHandle('The session, as an opaque handle (never the token id)'),
  lastAccessTime: nullable(Type.Number({ minimum: 0 })),
  createdTime: nullable(Type.Number({ minimum: 0 })),
  ...formattedTimes,
  location,
  userAgent: Type.String(),
  os: nullable(Type.String()),
  deviceId: nullable(hexOut()),
  deviceName: nullable(Type.String()),
  deviceAvailableCommands: nullable(Type.Record(Type.String(), Type.String())),
  deviceType: nullable(Type.String()),
  deviceCallbackURL: nullable(Type.String()),
  deviceCallbackPublicKey: nullable(Type.String()),
  deviceCallbackAuthKey: nullable(Type.String()),
  deviceCallbackIsExpired: nullable(Type.Boolean()),
  isDevice: Type.Boolean(),
  isCurrentDevice: Type.Boolean(),
});

export interface AttachedClientRouteDeps {
  attached: AttachedClientsService;
  sessionAuth: AuthStrategy<SessionToken>;
}

export function attachedClientRoutes({ attached, sessionAuth }: AttachedClientRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/account/attached_clients',
      tag: TAG,
      summary: 'Everything connected to the account: devices, OAuth clients and web sessions, merged',
      description:
        'Devices first, then OAuth authorisations no device holds, then sessions no device holds (PROTOCOL.md §9.4). ' +
        'Sessions are named by an opaque handle, never by their token id.',
      auth: { strategy: sessionAuth },
      errors: [],
      query: Type.Object({
        filterIdleDevicesTimestamp: Type.Optional(
          Type.Number({ minimum: 0, description: 'Leave out devices not used since this time (ms since the epoch)' }),
        ),
      }),
      response: Type.Array(attachedClient),
      async handler({ auth, query, request }) {
        const clients = await attached.attachedClients(auth.token, {
          acceptLanguage: request.headers['accept-language'],
          filterIdleDevicesTimestamp: query.filterIdleDevicesTimestamp,
        });
        return clients.map((client) => ({ ...client, sessionTokenHandle: client.sessionTokenId }));
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/account/sessions',
      tag: TAG,
      summary: "The account's sessions with their devices (deprecated: use /account/attached_clients)",
      auth: { strategy: sessionAuth },
      errors: [],
      response: Type.Array(sessionListing),
      async handler({ auth, request }) {
        return attached.sessions(auth.token, { acceptLanguage: request.headers['accept-language'] });
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/account/attached_client/destroy',
      tag: TAG,
      summary: 'Disconnect one attached client',
      description:
        'Takes an entry of /account/attached_clients: `deviceId` destroys the device and its tokens (ids sent with it must be ' +
        "the device's, else 107); `refreshTokenId` + `clientId` revokes that token; `clientId` alone everything the client " +
        'holds; a session handle (`sessionTokenId` or `sessionTokenHandle`) signs that session out. Needs a verified session.',
      auth: { strategy: sessionAuth, verifiedEmail: true, confirmedToken: true, accountAssurance: true },
      errors: [ERRNO.DEVICE_UNKNOWN],
      body: body({
        clientId: Type.Optional(nullable(hex(8))),
        sessionTokenId: Type.Optional(nullable(hex(32, 'A session handle from /account/attached_clients'))),
        sessionTokenHandle: Type.Optional(nullable(hex(32, 'The same, under the newest FxA name'))),
        refreshTokenId: Type.Optional(nullable(hex(32))),
        deviceId: Type.Optional(nullable(hex(16))),
      }),
      response: Type.Object({}),
      async handler({ auth, body }) {
        await attached.destroy(auth.token, body);
        return {};
      },
    }),
  ];
}
