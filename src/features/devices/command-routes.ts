// The device command queue and client-sent notifications (swagger tag "Devices and
// Sessions"): POST /account/devices/invoke_command, GET /account/device/commands and
// POST /account/devices/notify. The routes take their auth strategy and how to find the
// caller's account and device in its token, so the session strategy and the device
// strategy (session token or refresh token) fit alike.

import { Type } from '@sinclair/typebox';
import { ERRNO } from '../../errors.js';
import type { AuthStrategy } from '../../http/auth.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { body, emptyObject, hex, hexOut } from '../../http/schemas.js';
import {
  COMMAND_NAME_PATTERN,
  MAX_COMMAND_PAYLOAD_BYTES,
  MAX_COMMAND_TTL_SECONDS,
  MAX_COMMANDS_PER_READ,
  MAX_REQUESTED_TTL_SECONDS,
  type CommandCaller,
  type DeviceCommandService,
} from './command-service.js';

const TAG = 'Devices and Sessions';

/** Any JSON object, kept whole (requests) and sent back whole (responses). */
const anyObject = (description: string) => Type.Object({}, { additionalProperties: true, description });
const deviceId = (description: string) => hex(16, description);

const commandPage = Type.Object({
  index: Type.Integer({ description: 'The highest index in `messages` (0 when it is empty)' }),
  last: Type.Boolean({ description: 'No further unexpired command follows this page' }),
  messages: Type.Array(
    Type.Object({
      index: Type.Integer(),
      data: Type.Object({
        command: Type.String(),
        payload: anyObject('As the sender sent it'),
        sender: Type.Optional(hexOut('The sending device, when it had one')),
      }),
    }),
  ),
});

export interface DeviceCommandRouteDeps<T> {
  commands: Pick<DeviceCommandService, 'invoke' | 'read' | 'notify'>;
  /** How a request authenticates (the session strategy, or one taking refresh tokens too). */
  auth: AuthStrategy<T>;
  /** The account and the device (if any) of an authenticated token. */
  caller(token: T): CommandCaller;
  /** Records that the token's device made a request (its lastAccessTime); after success, so a refused request changes nothing. */
  seen?(token: T): Promise<void>;
}

export function deviceCommandRoutes<T>({ commands, auth, caller, seen }: DeviceCommandRouteDeps<T>): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/account/devices/invoke_command',
      tag: TAG,
      summary: 'Queue a command for another device of the account',
      description:
        'Queues `{command, payload, sender}` for `target` under its next index and pushes `fxaccounts:command_received` to it ' +
        'with the URL to fetch it from. `ttl` is in seconds (default: 30 days for open-uri, else the maximum), kept at most ' +
        `${MAX_COMMAND_TTL_SECONDS} s (28 days). \`notified: false\` with \`notifyError\` when the push could not be sent; the command is queued anyway.`,
      auth: { strategy: auth, verifiedEmail: true, confirmedToken: true },
      errors: [ERRNO.DEVICE_UNKNOWN, ERRNO.DEVICE_COMMAND_UNAVAILABLE],
      body: body({
        target: deviceId('The device to run the command'),
        command: Type.String({ pattern: COMMAND_NAME_PATTERN, description: "A key of the target's availableCommands" }),
        payload: anyObject(`The command's data, at most ${MAX_COMMAND_PAYLOAD_BYTES} bytes as JSON`),
        ttl: Type.Optional(
          Type.Integer({ minimum: 0, maximum: MAX_REQUESTED_TTL_SECONDS, description: 'Seconds the command stays fetchable' }),
        ),
      }),
      response: Type.Object({
        enqueued: Type.Boolean(),
        notified: Type.Boolean(),
        notifyError: Type.Optional(Type.String()),
      }),
      async handler({ auth: { token }, body: request }) {
        const result = await commands.invoke(caller(token), {
          target: Buffer.from(request.target, 'hex'),
          command: request.command,
          payload: request.payload,
          ttl: request.ttl,
        });
        await seen?.(token);
        return result;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/account/device/commands',
      tag: TAG,
      summary: "The commands queued for the caller's device",
      description:
        'Unexpired commands with index ≥ `index` (Firefox asks for its last index + 1), oldest first, at most `limit`. ' +
        'Indexes only grow; an expired command leaves a gap. Errno 123 when the token has no device.',
      auth: { strategy: auth },
      errors: [ERRNO.DEVICE_UNKNOWN],
      query: Type.Object({
        index: Type.Optional(Type.Number({ description: 'Lowest index wanted (inclusive)' })),
        limit: Type.Number({ minimum: 0, maximum: MAX_COMMANDS_PER_READ, default: MAX_COMMANDS_PER_READ }),
      }),
      response: commandPage,
      async handler({ auth: { token }, query }) {
        const page = await commands.read(caller(token), query.index, query.limit);
        await seen?.(token);
        return page;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/account/devices/notify',
      tag: TAG,
      summary: "Push a message to the account's devices",
      description:
        '`payload` must match FxA\'s push payload schema (`{}` only with `_endpointAction: "accountVerify"`, a payloadless push), ' +
        'else errno 107. `to` is `"all"` (minus `excluded`) or a list of device ids; `TTL` is the push TTL in seconds (default 0). ' +
        'Delivery problems are not reported.',
      auth: { strategy: auth, verifiedEmail: true, confirmedToken: true },
      errors: [],
      body: body({
        to: Type.Union([Type.Literal('all'), Type.Array(deviceId('A device of the account'))]),
        _endpointAction: Type.Optional(Type.Literal('accountVerify')),
        excluded: Type.Optional(Type.Array(deviceId('A device left out of "all"'))),
        payload: anyObject('The push payload'),
        TTL: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
      response: emptyObject,
      async handler({ auth: { token }, body: request }) {
        const ids = (list: string[]) => list.map((id) => Buffer.from(id, 'hex'));
        await commands.notify(caller(token), {
          to: request.to === 'all' ? 'all' : ids(request.to),
          excluded: request.to === 'all' && request.excluded ? ids(request.excluded) : undefined,
          payload: request.payload,
          ttl: request.TTL,
          endpointAction: request._endpointAction,
        });
        await seen?.(token);
        return {};
      },
    }),
  ];
}
