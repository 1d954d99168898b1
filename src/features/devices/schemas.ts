// Request and response schemas of the device routes, with FxA's limits (lib/devices.js
// SCHEMA, PROTOCOL.md §9.1): they validate requests (errno 107/108) and feed /openapi.json.

import { Type, type Static } from '@sinclair/typebox';
import { hex, hexOut } from '../../http/schemas.js';

/** FxA's DISPLAY_SAFE_UNICODE_WITH_NON_BMP: no control, separator, private-use or non-character code points. */
export const DISPLAY_SAFE_UNICODE_WITH_NON_BMP =
  '^(?:[^\\u0000-\\u001F\\u007F\\u0080-\\u009F\\u2028-\\u2029\\uE000-\\uF8FF\\uFFF9-\\uFFFC\\uFFFE-\\uFFFF])*$';
/** FxA's DEVICE_COMMAND_NAME. */
export const DEVICE_COMMAND_NAME = '^[a-zA-Z0-9._\\/\\-:]{1,100}$';
const URL_SAFE_BASE64_OR_EMPTY = '^[A-Za-z0-9_-]*$';

export const deviceId = hex(16, 'Device id (32 hex)');
const name = Type.String({ maxLength: 255, pattern: DISPLAY_SAFE_UNICODE_WITH_NON_BMP });
const type = Type.String({ maxLength: 16, description: '`desktop`, `mobile`, `tablet`, …' });
const pushCallback = Type.String({
  maxLength: 255,
  format: 'fxa-push-callback',
  description: 'https URL of a Mozilla push service (loopback too with PUSH_ALLOW_LOOPBACK)',
});
const pushPublicKey = Type.String({
  maxLength: 88,
  pattern: URL_SAFE_BASE64_OR_EMPTY,
  description: 'base64url P-256 point; one ECDH refuses is errno 107',
});
const pushAuthKey = Type.String({ maxLength: 24, pattern: URL_SAFE_BASE64_OR_EMPTY });

/**
 * Command name → the device's data for it. A name outside FxA's pattern is refused (107), not
 * dropped: `additionalProperties` is a schema that nothing matches, which the validator checks
 * rather than removes.
 */
const availableCommands = Type.Unsafe<Record<string, string>>({
  type: 'object',
  patternProperties: { [DEVICE_COMMAND_NAME]: { type: 'string', maxLength: 2048 } },
  additionalProperties: { not: {} },
});

export const registerBody = Type.Object(
  {
    id: Type.Optional(deviceId),
    name: Type.Optional(name),
    type: Type.Optional(type),
    pushCallback: Type.Optional(pushCallback),
    pushPublicKey: Type.Optional(pushPublicKey),
    pushAuthKey: Type.Optional(pushAuthKey),
    availableCommands: Type.Optional(availableCommands),
    // Some desktop Firefox versions send an empty `capabilities`; accepted and ignored (FxA).
    capabilities: Type.Optional(Type.Array(Type.String(), { maxItems: 0 })),
  },
  {
    additionalProperties: false,
    // The push subscription is all three fields or none.
    dependencies: {
      pushCallback: ['pushPublicKey', 'pushAuthKey'],
      pushPublicKey: ['pushCallback', 'pushAuthKey'],
      pushAuthKey: ['pushCallback', 'pushPublicKey'],
    },
  },
);
export type RegisterBody = Static<typeof registerBody>;

const commandsOut = Type.Record(Type.String(), Type.String());

export const deviceResponse = Type.Object({
  id: hexOut(),
  createdAt: Type.Number(),
  name: Type.String(),
  type: Type.String(),
  pushCallback: Type.Optional(Type.String()),
  pushPublicKey: Type.Optional(Type.String()),
  pushAuthKey: Type.Optional(Type.String()),
  pushEndpointExpired: Type.Boolean(),
  availableCommands: commandsOut,
});

/** FxA's location object; this server keeps no geo-IP database, so it is always `{}`. */
const location = Type.Object({
  city: Type.Optional(Type.String()),
  country: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  stateCode: Type.Optional(Type.String()),
});

export const devicesQuery = Type.Object({
  filterIdleDevicesTimestamp: Type.Optional(
    Type.Number({ minimum: 0, description: 'Only devices active after this time (ms since the epoch)' }),
  ),
});

export const devicesResponse = Type.Array(
  Type.Object({
    id: hexOut(),
    isCurrentDevice: Type.Boolean(),
    lastAccessTime: Type.Union([Type.Number(), Type.Null()]),
    lastAccessTimeFormatted: Type.Optional(Type.String()),
    approximateLastAccessTime: Type.Optional(Type.Number()),
    approximateLastAccessTimeFormatted: Type.Optional(Type.String()),
    location,
    name: Type.String(),
    type: Type.String(),
    pushCallback: Type.Union([Type.String(), Type.Null()]),
    pushPublicKey: Type.Union([Type.String(), Type.Null()]),
    pushAuthKey: Type.Union([Type.String(), Type.Null()]),
    pushEndpointExpired: Type.Boolean(),
    availableCommands: commandsOut,
  }),
);

export const destroyBody = Type.Object({ id: deviceId }, { additionalProperties: false });
