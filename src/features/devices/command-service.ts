// Device commands (PROTOCOL.md §9.3) and client-sent notifications (§9.2): a device queues
// a command for another device of the account and the target is told by Web Push where to
// fetch it; `/account/devices/notify` relays a push a client composed.
//
// The queue keeps Mozilla's pushbox semantics, which Firefox relies on:
//   - Indexes are per device, start at 1 and only grow. An index is never handed out
//     twice, even after its entry expired and was purged, or another was rolled back.
//   - A read returns the unexpired entries with index ≥ `index` (inclusive: Firefox asks
//     for its `lastCommandIndex + 1`), oldest first, at most `limit` of them, and `index`
//     is the highest index returned (0 when none).
//   - Gaps are normal: an expired entry leaves a hole in the sequence. Firefox finds the
//     commands whose push it missed from the indexes alone: on a `command_received` push
//     for index N it reads from its own last index + 1, and every entry below N that comes
//     back is one it had missed (its "push-missed" reason). A device with no stored index
//     uses N itself.
//   - Expiry has pushbox's one-second grain: an entry stored with `ttl` seconds is returned
//     while the second `ceil(createdAt in s) + ttl` has not passed, so `ttl: 0` still
//     reaches a device that fetches at once. `expiresAt` is the first millisecond at which
//     it is no longer returned.
//   - `last` is true when no further unexpired entry follows the page. (pushbox compares
//     the page's end with the device's highest stored index, expired rows included, so it
//     says false when only expired entries follow; here those are gone, and an empty page
//     is always last, as in pushbox.)
// Expired rows are deleted now and then by whichever request comes by (a bounded batch at
// most once a minute per instance); reads never depend on it.

import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { Logger } from 'pino';
import type { Db } from '../../db/index.js';
import { AppError, ERRNO } from '../../errors.js';
import type { AccountPush, NotifyTargets } from '../../push/model.js';
import type { Clock } from '../../runtime.js';
import type { DeviceCommandStore } from './command-store.js';

/** The command names a device can register (`availableCommands` keys) and be sent. */
export const COMMAND_NAME_PATTERN = '^[a-zA-Z0-9._/\\-:]{1,100}$';
/** pushbox's `maxTTL`: no entry is kept longer, whatever the sender asks. */
export const MAX_COMMAND_TTL_SECONDS = 28 * 24 * 3600;
/** FxA's `ttl` bound on invoke_command, in seconds (the swagger says milliseconds; it is not). */
export const MAX_REQUESTED_TTL_SECONDS = 10_000_000;
/** TTLs of well-known commands sent without one (FxA's DEFAULT_COMMAND_TTL), before the cap. */
export const DEFAULT_COMMAND_TTL_SECONDS: ReadonlyMap<string, number> = new Map([
  ['https://identity.mozilla.com/cmd/open-uri', 30 * 24 * 3600],
]);
/** The `command_received` push's TTL for a command sent without one and no default (FxA's TTL_COMMAND_RECEIVED). */
export const COMMAND_RECEIVED_PUSH_TTL_SECONDS = 21_600;
/**
 * Largest payload kept, as JSON in UTF-8: what the `payload` column holds on MySQL/MariaDB
 * (TEXT). Smaller than the request body limit by default, so it only bites when
 * BODY_LIMIT_BYTES is raised; then a clear 107 instead of a database error.
 */
export const MAX_COMMAND_PAYLOAD_BYTES = 65_535;
/** FxA's `limit` default and maximum for GET /account/device/commands. */
export const MAX_COMMANDS_PER_READ = 100;

const PURGE_INTERVAL_MS = 60_000;
const PURGE_BATCH = 1000;

const version = Type.Integer();
const strict = { additionalProperties: false } as const;
const pushMessage = <C extends string>(command: C, data?: ReturnType<typeof Type.Object>) =>
  data
    ? Type.Object({ version, command: Type.Literal(command), data }, strict)
    : Type.Object({ version, command: Type.Literal(command) }, strict);

/**
 * FxA's push payload schema (docs/pushpayloads.schema.json): what a client may ask the server
 * to push to the account's devices through `/account/devices/notify`.
 */
export const PUSH_PAYLOAD_SCHEMA = Type.Union([
  pushMessage('fxaccounts:device_connected', Type.Object({ deviceName: Type.String() }, strict)),
  pushMessage('fxaccounts:device_disconnected', Type.Object({ id: Type.String() }, strict)),
  pushMessage('fxaccounts:profile_updated'),
  pushMessage(
    'sync:collection_changed',
    Type.Object(
      {
        collections: Type.Array(
          Type.Union(
            ['addons', 'bookmarks', 'history', 'forms', 'prefs', 'tabs', 'passwords', 'clients'].map((name) => Type.Literal(name)),
          ),
          { minItems: 1, uniqueItems: true },
        ),
        reason: Type.Optional(Type.Union([Type.Literal('sendtab'), Type.Literal('firstsync')])),
      },
      strict,
    ),
  ),
  pushMessage('fxaccounts:password_changed'),
  pushMessage('fxaccounts:password_reset'),
  pushMessage('fxaccounts:account_destroyed', Type.Object({ uid: Type.String() }, strict)),
  pushMessage(
    'fxaccounts:command_received',
    Type.Object({ command: Type.String(), index: Type.Integer(), sender: Type.Optional(Type.String()), url: Type.String() }, strict),
  ),
]);
export type PushPayload = Static<typeof PUSH_PAYLOAD_SCHEMA>;

// Checked as sent (no coercion, defaults or removal), by a checker compiled on first use.
let pushPayloadCheck: TypeCheck<typeof PUSH_PAYLOAD_SCHEMA> | undefined;
const isPushPayload = (value: unknown): boolean => (pushPayloadCheck ??= TypeCompiler.Compile(PUSH_PAYLOAD_SCHEMA)).Check(value);

/** Who is calling: the account, and the device of the token when it has one. */
export interface CommandCaller {
  uid: Buffer;
  deviceId: Buffer | null;
}

export interface InvokeCommand {
  target: Buffer;
  command: string;
  payload: Record<string, unknown>;
  /** Seconds; absent: the command's default, else pushbox's maximum. */
  ttl?: number;
}

export interface InvokeResult {
  enqueued: boolean;
  notified: boolean;
  notifyError?: string;
}

export interface CommandMessage {
  index: number;
  data: { command: string; payload: Record<string, unknown>; sender?: string };
}

export interface CommandPage {
  index: number;
  last: boolean;
  messages: CommandMessage[];
}

export interface NotifyRequest {
  to: 'all' | Buffer[];
  /** Only with `to: 'all'`. */
  excluded?: Buffer[];
  payload: Record<string, unknown>;
  /** Push TTL in seconds (default 0). */
  ttl?: number;
  /** `accountVerify`: a payloadless push, so the payload must be `{}`. */
  endpointAction?: 'accountVerify';
}

/** What the queue needs of Web Push. */
export type CommandPush = Pick<AccountPush, 'commandReceived' | 'notify'>;

export interface DeviceCommandDeps {
  db: Db;
  store: DeviceCommandStore;
  push: CommandPush;
  clock: Clock;
  logger: Logger;
  /** PUBLIC_URL: the command's fetch URL in the push starts with it. */
  publicUrl: string;
}

/** The first millisecond at which pushbox no longer returns an entry stored at `now` for `ttlSeconds`. */
export function commandExpiresAt(now: number, ttlSeconds: number): number {
  return (Math.ceil(now / 1000) + ttlSeconds + 1) * 1000;
}

export class DeviceCommandService {
  private readonly commandsUrl: string;
  private nextPurgeAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: DeviceCommandDeps) {
    this.commandsUrl = `${deps.publicUrl.replace(/\/+$/, '')}/v1/account/device/commands`;
  }

  /**
   * Queues the command for the target (107 payload too large, 123 unknown device, 157 command
   * it does not offer) and pushes it the news.
   */
  async invoke(caller: CommandCaller, request: InvokeCommand): Promise<InvokeResult> {
    const { db, store, push, clock, logger } = this.deps;
    const { uid } = caller;
    const payload = JSON.stringify(request.payload);
    if (Buffer.byteLength(payload) > MAX_COMMAND_PAYLOAD_BYTES) throw AppError.invalidParameter('payload', ['payload']);
    const target = await store.availableCommands(uid, request.target);
    if (!target) throw new AppError(ERRNO.DEVICE_UNKNOWN);
    if (!Object.hasOwn(target.commands, request.command)) throw new AppError(ERRNO.DEVICE_COMMAND_UNAVAILABLE);

    // 0 is a TTL like any other: only an absent one takes the default.
    const ttl = request.ttl ?? DEFAULT_COMMAND_TTL_SECONDS.get(request.command);
    const storedTtl = Math.min(ttl ?? MAX_COMMAND_TTL_SECONDS, MAX_COMMAND_TTL_SECONDS);
    const now = clock.now();
    const index = await db.transaction(async () => {
      const next = await store.nextIndex(uid, target.id);
      // The device was removed since it was read.
      if (next === null) throw new AppError(ERRNO.DEVICE_UNKNOWN);
      await store.insert({
        uid,
        deviceId: target.id,
        index: next,
        command: request.command,
        payload,
        sender: caller.deviceId,
        createdAt: now,
        expiresAt: commandExpiresAt(now, storedTtl),
      });
      return next;
    });
    const tags = () => ({
      uid: uid.toString('hex'),
      target: target.id.toString('hex'),
      sender: caller.deviceId?.toString('hex'),
      index,
      command: request.command,
    });
    if (logger.isLevelEnabled('info')) logger.info(tags(), 'device.command.invoked');

    let notified: boolean;
    let notifyError: string | undefined;
    try {
      const outcome = await push.commandReceived(uid, target.id, {
        command: request.command,
        index,
        sender: caller.deviceId ?? undefined,
        url: `${this.commandsUrl}?index=${index}&limit=1`,
        ttlSeconds: ttl ?? COMMAND_RECEIVED_PUSH_TTL_SECONDS,
      });
      notified = outcome.notified;
      if (!notified) notifyError = outcome.error ?? 'unknown';
    } catch (err) {
      // The contract says it does not throw; the command is queued either way.
      notified = false;
      notifyError = 'unknown';
      logger.warn({ ...tags(), err }, 'device.command.notifyError');
    }
    await this.purgeNowAndThen();
    return notifyError === undefined ? { enqueued: true, notified } : { enqueued: true, notified, notifyError };
  }

  /** The caller's device's queue from `index` on (123 when the token has no device). */
  async read(caller: CommandCaller, index: number | undefined, limit: number): Promise<CommandPage> {
    const { store, clock, logger } = this.deps;
    const deviceId = caller.deviceId;
    if (!deviceId) throw new AppError(ERRNO.DEVICE_UNKNOWN);
    // Indexes are whole numbers from 1: any number is a fine lower bound once rounded up.
    const from = index !== undefined && index > 0 ? Math.min(Math.ceil(index), Number.MAX_SAFE_INTEGER) : 0;
    const count = Math.max(0, Math.min(MAX_COMMANDS_PER_READ, Math.floor(limit)));
    // One more than asked tells whether the page is the last.
    const rows = count === 0 ? [] : await store.list(caller.uid, deviceId, from, count + 1, clock.now());
    const messages = rows.slice(0, count).map((row): CommandMessage => ({
      index: row.index,
      data: {
        command: row.command,
        payload: JSON.parse(row.payload) as Record<string, unknown>,
        ...(row.sender ? { sender: row.sender.toString('hex') } : {}),
      },
    }));
    if (messages.length > 0 && logger.isLevelEnabled('info')) {
      logger.info(
        { uid: caller.uid.toString('hex'), target: deviceId.toString('hex'), indexes: messages.map((m) => m.index) },
        'device.command.retrieved',
      );
    }
    await this.purgeNowAndThen();
    return {
      index: messages.at(-1)?.index ?? 0,
      last: messages.length === 0 || rows.length <= count,
      messages,
    };
  }

  /** Pushes a client-composed payload to the account's devices; delivery problems are logged, never answered. */
  async notify(caller: CommandCaller, request: NotifyRequest): Promise<void> {
    const { push, logger } = this.deps;
    const accountVerify = request.endpointAction === 'accountVerify';
    const valid = accountVerify ? Object.keys(request.payload).length === 0 : isPushPayload(request.payload);
    if (!valid) throw AppError.invalidParameter('payload', ['payload']);
    const targets: NotifyTargets =
      request.to === 'all' ? { to: 'all', ...(request.excluded ? { excluded: request.excluded } : {}) } : { to: request.to };
    try {
      // accountVerify goes out empty, as FxA's push does for that reason: the device refetches its state.
      await push.notify(caller.uid, targets, accountVerify ? null : request.payload, request.ttl ?? 0);
    } catch (err) {
      logger.warn({ uid: caller.uid.toString('hex'), err }, 'devices.notify failed');
    }
  }

  /** Deletes a bounded batch of expired entries, at most once per interval on this instance; never fails the request. */
  private async purgeNowAndThen(): Promise<void> {
    const now = this.deps.clock.now();
    if (now < this.nextPurgeAt) return;
    this.nextPurgeAt = now + PURGE_INTERVAL_MS;
    try {
      const purged = await this.deps.store.purgeExpired(now, PURGE_BATCH);
      if (purged > 0) this.deps.logger.debug({ purged }, 'device commands: expired entries deleted');
    } catch (err) {
      this.deps.logger.warn({ err }, 'device commands: purging expired entries failed');
    }
  }
}
