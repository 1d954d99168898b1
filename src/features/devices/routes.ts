// Device endpoints (swagger tag "Devices and Sessions"): register or update, list, destroy.
// A session token or a refresh token with the Sync scope authenticates them (DeviceService.strategy).

import { Type } from '@sinclair/typebox';
import { ERRNO } from '../../errors.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { parseUserAgent } from '../../http/user-agent.js';
import type { Clock } from '../../runtime.js';
import type { DeviceView } from './service.js';
import type { DeviceService } from './service.js';
import { destroyBody, deviceResponse, devicesQuery, devicesResponse, registerBody } from './schemas.js';
import { formatLastAccess } from './timestamps.js';

export interface DeviceRouteDeps {
  devices: DeviceService;
  clock: Clock;
}

const TAG = 'Devices and Sessions';
const fromHex = (value: string): Buffer => Buffer.from(value, 'hex');

/** The push fields of a response: present together, or (registration) absent. */
function pushFields(view: DeviceView) {
  const push = view.push;
  return push ? { pushCallback: push.callback, pushPublicKey: push.publicKey ?? '', pushAuthKey: push.authKey ?? '' } : {};
}

export function deviceRoutes({ devices, clock }: DeviceRouteDeps): RouteSpec[] {
  const auth = { strategy: devices.strategy };
  return [
    defineRoute({
      method: 'POST',
      path: '/account/device',
      tag: TAG,
      summary: 'Register or update this token’s device',
      description:
        'Without `id`: registers the device of this session or refresh token (a session that has one already: 124; a refresh token updates its own). With `id`: updates that device (unknown: 123). Unchanged updates write nothing; a new `pushCallback` clears `pushEndpointExpired`.',
      auth,
      errors: [ERRNO.DEVICE_UNKNOWN, ERRNO.DEVICE_CONFLICT],
      body: registerBody,
      response: deviceResponse,
      async handler({ auth, body, request }) {
        const view = await devices.register(
          auth.token,
          {
            id: body.id === undefined ? undefined : fromHex(body.id),
            name: body.name,
            type: body.type,
            pushCallback: body.pushCallback,
            pushPublicKey: body.pushPublicKey,
            pushAuthKey: body.pushAuthKey,
            availableCommands: body.availableCommands,
          },
          parseUserAgent(request.headers['user-agent']),
        );
        return {
          id: view.id.toString('hex'),
          createdAt: view.createdAt,
          name: view.name,
          type: view.type,
          ...pushFields(view),
          pushEndpointExpired: view.push?.endpointExpired ?? false,
          availableCommands: view.availableCommands,
        };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/account/devices',
      tag: TAG,
      summary: 'The account’s devices',
      description:
        '`lastAccessTime` is recorded at most once an hour per device and instance; the calling device shows now. `location` is always `{}` (no geo-IP database).',
      auth,
      errors: [],
      query: devicesQuery,
      response: devicesResponse,
      async handler({ auth, query }) {
        const listed = await devices.list(auth.token, query.filterIdleDevicesTimestamp);
        const now = clock.now();
        return listed.map((device) => ({
          id: device.id.toString('hex'),
          isCurrentDevice: device.isCurrentDevice,
          lastAccessTime: device.lastAccessTime,
          ...formatLastAccess(device.lastAccessTime, now),
          location: {},
          name: device.name,
          type: device.type,
          pushCallback: device.push?.callback ?? null,
          pushPublicKey: device.push ? (device.push.publicKey ?? '') : null,
          pushAuthKey: device.push ? (device.push.authKey ?? '') : null,
          pushEndpointExpired: device.push?.endpointExpired ?? false,
          availableCommands: device.availableCommands,
        }));
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/account/device/destroy',
      tag: TAG,
      summary: 'Remove a device and sign it out',
      description:
        'Deletes the device and the session or refresh token it was registered with, then notifies every device (the removed one too).',
      auth,
      errors: [ERRNO.DEVICE_UNKNOWN],
      body: destroyBody,
      response: Type.Object({}),
      async handler({ auth, body }) {
        await devices.destroy(auth.token.uid, fromHex(body.id));
        return {};
      },
    }),
  ];
}
