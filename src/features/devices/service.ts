// Device registration, listing and removal (PROTOCOL.md §9.1), and who may call the device
// routes: a session token like every session route, or an OAuth refresh token with the Sync
// scope (FxA's `refreshToken` auth scheme, used by Firefox for Android and iOS).

import type { Logger } from 'pino';
import { isUniqueViolation, type Db } from '../../db/index.js';
import { AppError, ERRNO } from '../../errors.js';
import type { AuthStrategy, TokenState } from '../../http/auth.js';
import { EMPTY_USER_AGENT, type UserAgentFields } from '../../http/user-agent.js';
import type { AccountPush } from '../../push/model.js';
import { isValidPushPublicKey } from '../../push/push-keys.js';
import type { Clock, RandomSource } from '../../runtime.js';
import { OLDSYNC_SCOPE } from '../oauth/client-settings.js';
import type { RefreshTokenGrant } from '../oauth/service.js';
import type { SessionToken } from '../session/model.js';
import type { AvailableCommands, Device, DeviceCaller, DeviceChanges, PushSubscription } from './model.js';
import type { DeviceStore } from './store.js';

/** The notifications this feature sends (the push sender implements them). */
export type DevicePush = Pick<AccountPush, 'deviceConnected' | 'deviceDisconnected'>;

/** What devices need of sessions: the session auth scheme, and deleting a device's session. */
export interface DeviceSessions {
  sessionStrategy: AuthStrategy<SessionToken>;
  deleteById(tokenId: Buffer): Promise<boolean>;
}

/** What devices need of the OAuth grants: refresh tokens as credentials, and revoking one with its device. */
export interface DeviceRefreshTokens {
  refreshTokenGrant(token: string): Promise<RefreshTokenGrant | undefined>;
  /** Live refresh token id (hex) → when it was last used. */
  refreshTokensLastUsed(uid: Buffer): Promise<Map<string, number>>;
  revokeRefreshToken(uid: Buffer, refreshTokenId: Buffer): Promise<boolean>;
}

export interface DeviceDeps {
  db: Db;
  store: DeviceStore;
  sessions: DeviceSessions;
  refreshTokens: DeviceRefreshTokens;
  push: DevicePush;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
}

/** `POST /account/device`: absent fields stay as they are. */
export interface DeviceRegistration {
  /** The device to update; absent: this token's device, created when it has none. */
  id?: Buffer;
  name?: string;
  type?: string;
  /** The three push fields come together (the schema says so). */
  pushCallback?: string;
  pushPublicKey?: string;
  pushAuthKey?: string;
  availableCommands?: AvailableCommands;
}

/** A device as the routes return it: name and type always filled in, as FxA does. */
export interface DeviceView {
  id: Buffer;
  createdAt: number;
  name: string;
  type: string;
  push: PushSubscription | null;
  availableCommands: AvailableCommands;
}

export interface ListedDevice extends DeviceView {
  isCurrentDevice: boolean;
  lastAccessTime: number | null;
}

/**
 * How often a device's lastAccessTime is written. A write on every request would put a row
 * update on Firefox's most frequent calls; instead each instance remembers when it last wrote
 * each device's time and writes again only once this interval has passed. The stored value is
 * thus at most this old (per instance; a restart writes again at the next request), which is
 * what the device list needs: FxA itself reports these times as "a few hours ago", and filters
 * idle devices by days (`filterIdleDevicesTimestamp`).
 */
export const LAST_ACCESS_WRITE_INTERVAL_MS = 60 * 60 * 1000;
/** Bound on the remembered write times (cleared when reached: the cost is one extra write each). */
const LAST_ACCESS_MEMORY_SIZE = 10_000;

/** FxA's refresh-token scheme admits only tokens that carry the Sync scope. */
const REFRESH_TOKEN_SCOPE = OLDSYNC_SCOPE;

/** FxA treats a refresh token as a confirmed credential of a verified account. */
const REFRESH_TOKEN_STATE: TokenState = { emailVerified: true, tokenVerified: true, assuranceLevel: 1, requiredAssuranceLevel: 1 };

/** FxA's synthesizeName: "Firefox 120, Windows 10" from the session's user agent ('' when unknown). */
export function synthesizeDeviceName(ua: UserAgentFields): string {
  let name = '';
  if (ua.uaBrowser) {
    name = ua.uaBrowserVersion ? `${ua.uaBrowser} ${ua.uaBrowserVersion.split('.')[0]}` : ua.uaBrowser;
    if (ua.uaOS || ua.uaFormFactor) name += ', ';
  }
  if (ua.uaFormFactor) return `${name}${ua.uaFormFactor}`;
  if (ua.uaOS) name += ua.uaOSVersion ? `${ua.uaOS} ${ua.uaOSVersion}` : ua.uaOS;
  return name;
}

const sameCommands = (a: AvailableCommands, b: AvailableCommands): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && b[key] === a[key]);
};

const callerOfSession = (session: SessionToken): DeviceCaller => ({
  uid: session.uid,
  sessionTokenId: session.id,
  refreshTokenId: null,
  clientId: null,
  clientName: null,
  deviceId: session.deviceId,
  emailVerified: session.emailVerified,
  tokenVerified: session.verified,
  userAgent: session.userAgent,
  session,
});

export class DeviceService {
  /** The device routes' auth scheme: session tokens as everywhere, plus `Bearer <refresh token>`. */
  readonly strategy: AuthStrategy<DeviceCaller>;
  /** Device key → when this instance last wrote its lastAccessTime. */
  private readonly lastAccessWrites = new Map<string, number>();

  constructor(private readonly deps: DeviceDeps) {
    const sessions = deps.sessions.sessionStrategy;
    this.strategy = {
      name: sessions.name,
      bearerPrefixes: sessions.bearerPrefixes,
      unconfirmedErrno: sessions.unconfirmedErrno,
      async lookup(tokenId) {
        const found = await sessions.lookup(tokenId);
        return found && { authKey: found.authKey, token: callerOfSession(found.token) };
      },
      state: (caller) => (caller.session ? sessions.state(caller.session) : REFRESH_TOKEN_STATE),
      accessToken: { name: 'refreshToken', verify: (credential) => this.refreshTokenCaller(credential) },
    };
  }

  /** FxA's refresh-token scheme: a live token with the Sync scope, and the device registered with it. */
  private async refreshTokenCaller(credential: string): Promise<DeviceCaller> {
    const grant = await this.deps.refreshTokens.refreshTokenGrant(credential);
    if (!grant) throw AppError.invalidToken();
    // FxA answers its errno 163 (invalid scopes), which the API's errno table lacks: the token is refused as any other.
    if (!grant.scope.intersects(REFRESH_TOKEN_SCOPE)) throw AppError.invalidToken('The refresh token lacks the Sync scope');
    const device = await this.deps.store.findByRefreshToken(grant.tokenId);
    return {
      uid: grant.uid,
      sessionTokenId: null,
      refreshTokenId: grant.tokenId,
      clientId: grant.clientId,
      clientName: grant.clientName,
      deviceId: device?.id ?? null,
      emailVerified: true,
      tokenVerified: true,
      userAgent: null,
      session: null,
    };
  }

  /** The device registered with the caller's token, read now (inside the caller's transaction). */
  private ownDevice(caller: DeviceCaller): Promise<Device | undefined> {
    if (caller.sessionTokenId) return this.deps.store.findBySession(caller.sessionTokenId);
    if (caller.refreshTokenId) return this.deps.store.findByRefreshToken(caller.refreshTokenId);
    return Promise.resolve(undefined);
  }

  /**
   * `POST /account/device`. With an id: updates that device of the account (123 when there is
   * none), binding it to the caller's token (124 when the token has another device). Without
   * an id: registers the token's device. A session token that already has one gets 124 (a
   * second registration; Firefox desktop then finds its device through `isCurrentDevice`); a
   * refresh token updates its device instead, as FxA does for every token, because Firefox for
   * Android and iOS never send the id. Two registrations racing on one token leave one device:
   * the loser's insert hits the unique index and answers 124.
   */
  async register(caller: DeviceCaller, input: DeviceRegistration, requestUserAgent: UserAgentFields): Promise<DeviceView> {
    // FxA's "slightly tricky validation": the key must work in an ECDH agreement.
    if (input.pushPublicKey && !isValidPushPublicKey(input.pushPublicKey)) {
      throw AppError.invalidParameter('payload', ['pushPublicKey'], 'Invalid parameter in request body: invalid pushPublicKey');
    }
    const { db, store, clock } = this.deps;
    const now = clock.now();
    const result = await db.transaction(async () => {
      const own = await this.ownDevice(caller);
      if (!input.id && own && caller.sessionTokenId) throw new AppError(ERRNO.DEVICE_CONFLICT);
      const target = input.id ? await store.find(caller.uid, input.id) : own;
      if (input.id && !target) throw new AppError(ERRNO.DEVICE_UNKNOWN);
      if (!target) return { device: await this.insert(caller, input, now), created: true };
      if (own && !own.id.equals(target.id)) throw new AppError(ERRNO.DEVICE_CONFLICT);
      const changes = this.changesOf(target, input, caller);
      // Clients re-send unchanged records often: those cost no write.
      if (!changes) return { device: target, created: false };
      await store.update(caller.uid, target.id, changes).catch((err: unknown) => {
        if (isUniqueViolation(err)) throw new AppError(ERRNO.DEVICE_CONFLICT);
        throw err;
      });
      return { device: (await store.find(caller.uid, target.id)) ?? target, created: false };
    });
    const view = this.view(result.device, caller.userAgent ?? requestUserAgent, caller.clientId !== null);
    if (result.created) {
      this.rememberWrite(caller.uid, result.device.id, now);
      // Only a confirmed session announces itself (FxA): an unconfirmed one may be an attacker's.
      if (caller.tokenVerified) {
        await this.notify(() => this.deps.push.deviceConnected(caller.uid, view.name, view.id), 'device_connected');
      }
    } else {
      await this.recordAccess({ ...caller, deviceId: result.device.id });
    }
    return view;
  }

  private async insert(caller: DeviceCaller, input: DeviceRegistration, now: number): Promise<Device> {
    const id = this.deps.random(16);
    const device = {
      uid: caller.uid,
      id,
      sessionTokenId: caller.sessionTokenId,
      refreshTokenId: caller.refreshTokenId,
      createdAt: now,
      // FxA names a refresh token's device after its OAuth client when it sends no name.
      name: input.name ?? caller.clientName ?? null,
      type: input.type ?? null,
      ...(input.pushCallback === undefined
        ? {}
        : { pushCallback: input.pushCallback, pushPublicKey: input.pushPublicKey, pushAuthKey: input.pushAuthKey }),
      pushEndpointExpired: false,
      availableCommands: input.availableCommands ?? {},
    };
    try {
      await this.deps.store.insert(device);
    } catch (err) {
      // Another registration with this token committed first: one device per token.
      if (isUniqueViolation(err)) throw new AppError(ERRNO.DEVICE_CONFLICT);
      throw err;
    }
    await this.deps.store.touch(caller.uid, id, now);
    const stored = await this.deps.store.find(caller.uid, id);
    if (!stored) throw new Error('device vanished inside its own transaction');
    return stored;
  }

  /** What the request changes on `device`; undefined when nothing (a spurious update). */
  private changesOf(device: Device, input: DeviceRegistration, caller: DeviceCaller): DeviceChanges | undefined {
    const changes: DeviceChanges = {};
    if (input.name !== undefined && input.name !== device.name) changes.name = input.name;
    if (input.type !== undefined && input.type !== device.type) changes.type = input.type;
    if (input.pushCallback !== undefined) {
      const push = device.push;
      const callback = push?.callback ?? '';
      if (input.pushCallback !== callback || input.pushPublicKey !== push?.publicKey || input.pushAuthKey !== push?.authKey) {
        changes.pushCallback = input.pushCallback;
        changes.pushPublicKey = input.pushPublicKey;
        changes.pushAuthKey = input.pushAuthKey;
      }
      // A new endpoint is a fresh start: pushes resume (FxA).
      if (input.pushCallback !== callback) changes.pushEndpointExpired = false;
    }
    if (input.availableCommands !== undefined && !sameCommands(input.availableCommands, device.availableCommands)) {
      changes.availableCommands = input.availableCommands;
    }
    if (caller.sessionTokenId && !device.sessionTokenId?.equals(caller.sessionTokenId))
      changes.sessionTokenId = caller.sessionTokenId;
    if (caller.refreshTokenId && !device.refreshTokenId?.equals(caller.refreshTokenId))
      changes.refreshTokenId = caller.refreshTokenId;
    return Object.keys(changes).length > 0 ? changes : undefined;
  }

  /** How many devices the account has registered (the operator's `user show`). */
  async count(uid: Buffer): Promise<number> {
    return (await this.deps.store.list(uid)).length;
  }

  /** `GET /account/devices`: the account's devices, oldest first; `activeSince` drops those idle since then. */
  async list(caller: DeviceCaller, activeSince?: number): Promise<ListedDevice[]> {
    await this.recordAccess(caller);
    const now = this.deps.clock.now();
    const listed: ListedDevice[] = [];
    const devices = await this.deps.store.listWithUserAgents(caller.uid);
    // A mobile device mostly shows up by refreshing its access tokens: FxA takes the later of
    // the two times (asked only when some device has a refresh token, as FxA does).
    const refreshTokenUse = devices.some(({ device }) => device.refreshTokenId)
      ? await this.deps.refreshTokens.refreshTokensLastUsed(caller.uid)
      : new Map<string, number>();
    for (const { device, userAgent } of devices) {
      const isCurrentDevice = Boolean(
        (caller.sessionTokenId && device.sessionTokenId?.equals(caller.sessionTokenId)) ||
        (caller.refreshTokenId && device.refreshTokenId?.equals(caller.refreshTokenId)),
      );
      const tokenUse = device.refreshTokenId ? refreshTokenUse.get(device.refreshTokenId.toString('hex')) : undefined;
      // The stored time lags by up to the write interval; the device asking is active now.
      const lastAccessTime = isCurrentDevice
        ? now
        : tokenUse !== undefined
          ? Math.max(device.lastAccessTime ?? 0, tokenUse)
          : device.lastAccessTime;
      // FxA keeps devices seen after the timestamp (a device never seen is idle).
      if (activeSince && !(lastAccessTime !== null && lastAccessTime > activeSince)) continue;
      listed.push({
        ...this.view(device, userAgent ?? EMPTY_USER_AGENT, false, userAgent?.uaDeviceType ?? null),
        isCurrentDevice,
        lastAccessTime,
      });
    }
    return listed;
  }

  /**
   * `POST /account/device/destroy`: the device and the token it was registered with go in one
   * transaction (123 when the account has no such device); then every device hears of it, the
   * removed one included, so it can sign out.
   */
  async destroy(uid: Buffer, id: Buffer, check?: (device: Device) => void): Promise<void> {
    const { db, store, sessions, refreshTokens } = this.deps;
    const removed = await db.transaction(async () => {
      const device = await store.find(uid, id);
      if (!device) throw new AppError(ERRNO.DEVICE_UNKNOWN);
      check?.(device);
      // Of two concurrent destroys only one deletes the row; the other finds nothing to remove.
      if (!(await store.delete(uid, id))) throw new AppError(ERRNO.DEVICE_UNKNOWN);
      if (device.sessionTokenId) await sessions.deleteById(device.sessionTokenId);
      if (device.refreshTokenId) await refreshTokens.revokeRefreshToken(uid, device.refreshTokenId);
      return device;
    });
    await this.disconnected(removed);
  }

  /** Tells every device, the removed one included, that `device` is gone (its rows are already deleted). */
  async disconnected(device: Device): Promise<void> {
    this.lastAccessWrites.delete(this.deviceKey(device.uid, device.id));
    await this.notify(
      () => this.deps.push.deviceDisconnected(device.uid, { id: device.id, push: device.push }),
      'device_disconnected',
    );
  }

  /** Refresh-token rotation (in its transaction): the device follows its token (OAuthService's RefreshTokenHolders). */
  async refreshTokenReplaced(previous: Buffer, next: Buffer): Promise<void> {
    await this.deps.store.moveToRefreshToken(previous, next);
  }

  /** Records that the caller's device made a request now, coalesced (LAST_ACCESS_WRITE_INTERVAL_MS). */
  async recordAccess(caller: DeviceCaller): Promise<void> {
    if (!caller.deviceId) return;
    const now = this.deps.clock.now();
    const last = this.lastAccessWrites.get(this.deviceKey(caller.uid, caller.deviceId));
    if (last !== undefined && now - last < LAST_ACCESS_WRITE_INTERVAL_MS && now >= last) return;
    this.rememberWrite(caller.uid, caller.deviceId, now);
    await this.deps.store.touch(caller.uid, caller.deviceId, now);
  }

  private rememberWrite(uid: Buffer, deviceId: Buffer, at: number): void {
    if (this.lastAccessWrites.size >= LAST_ACCESS_MEMORY_SIZE) this.lastAccessWrites.clear();
    this.lastAccessWrites.set(this.deviceKey(uid, deviceId), at);
  }

  private deviceKey(uid: Buffer, deviceId: Buffer): string {
    return `${uid.toString('hex')}:${deviceId.toString('hex')}`;
  }

  /**
   * FxA's full record: a missing name is synthesised from the user agent, a missing type is the
   * session's device type, else mobile for an OAuth client's device and desktop otherwise.
   */
  private view(device: Device, userAgent: UserAgentFields, oauthCaller: boolean, uaDeviceType: string | null = null): DeviceView {
    return {
      id: device.id,
      createdAt: device.createdAt,
      name: device.name || synthesizeDeviceName(userAgent),
      type: device.type || uaDeviceType || (oauthCaller || device.refreshTokenId ? 'mobile' : 'desktop'),
      push: device.push,
      availableCommands: device.availableCommands,
    };
  }

  /** Pushes never fail the request that caused them (the sender logs its own delivery errors). */
  private async notify(send: () => Promise<void>, event: string): Promise<void> {
    try {
      await send();
    } catch (err) {
      this.deps.logger.warn({ err, event }, 'device notification failed');
    }
  }
}
