// The account's attached clients (PROTOCOL.md §9.4): listing devices, OAuth authorisations
// and sessions as one list, the deprecated session list, and disconnecting any of them.
//
// Session ids never leave the server. A sessionTokenId is a credential here (`Bearer
// fxs_<tokenId>` authenticates as the session), so the lists show an opaque handle instead,
// HMAC-SHA256(server secret, "<uid hex>:<tokenId hex>") in hex, as the newest FxA does; the
// destroy call takes the handle back and finds the session among the caller's own.

import { createHmac } from 'node:crypto';
import type { Db } from '../../db/index.js';
import { AppError, OAUTH_ERRNO, OAuthError } from '../../errors.js';
import { relativeTimeLanguage } from '../../protocol/relative-time.js';
import type { Clock } from '../../runtime.js';
import type { AuthorizedClient } from '../oauth/service.js';
import type { AccountSession, SessionToken } from '../session/model.js';
import {
  listSessions,
  mergeAttachedClients,
  type AttachedClient,
  type DeviceEntry,
  type SessionListing,
  type SessionWithDevice,
} from './attached-clients.js';
import type { Device } from './model.js';
import type { DeviceStore } from './store.js';

/** What this feature needs of the session feature. */
export interface AttachedSessions {
  listForAccount(uid: Buffer): Promise<AccountSession[]>;
  deleteForAccount(uid: Buffer, tokenId: Buffer): Promise<boolean>;
  touch(session: SessionToken): Promise<number>;
}

/** What this feature needs of the OAuth grants. */
export interface AttachedOAuth {
  authorizedClients(uid: Buffer): Promise<AuthorizedClient[]>;
  /** Throws OAuth errno 122 when `refreshTokenId` is not the user's token of that client. */
  destroyAuthorizedClient(uid: Buffer, clientId: string, refreshTokenId?: string): Promise<void>;
}

/** The device feature's removal: one way to destroy a device (its tokens, then `device_disconnected`). */
export interface DeviceRemoval {
  /** 123 when unknown; `check` may refuse the device before anything is deleted. */
  destroy(uid: Buffer, id: Buffer, check?: (device: Device) => void): Promise<void>;
  /** `device_disconnected` for a device that went with its session. */
  disconnected(device: Device): Promise<void>;
}

export interface AttachedClientsDeps {
  db: Db;
  devices: DeviceStore;
  sessions: AttachedSessions;
  oauth: AttachedOAuth;
  /** The key of the session handles: a server secret every instance shares. */
  handleKey: Buffer;
  clock: Clock;
  removal: DeviceRemoval;
}

/** What `/account/attached_client/destroy` names (hex; null is the same as absent, as in FxA). */
export interface DestroyRequest {
  clientId?: string | null;
  /** The session's handle, under the swagger's name… */
  sessionTokenId?: string | null;
  /** …or the newest FxA's. */
  sessionTokenHandle?: string | null;
  refreshTokenId?: string | null;
  deviceId?: string | null;
}

export interface ListOptions {
  acceptLanguage?: string;
  /** Devices not used since (ms) are left out, as `?filterIdleDevicesTimestamp` asks. */
  filterIdleDevicesTimestamp?: number;
}

const present = (value: string | null | undefined): string | undefined => (value ? value.toLowerCase() : undefined);

export class AttachedClientsService {
  constructor(private readonly deps: AttachedClientsDeps) {}

  /** The opaque, uid-bound stand-in for a session id in every list. */
  sessionHandle(uid: Buffer, sessionTokenId: Buffer): string {
    return createHmac('sha256', this.deps.handleKey)
      .update(`${uid.toString('hex')}:${sessionTokenId.toString('hex')}`)
      .digest('hex');
  }

  /** `GET /account/attached_clients`; like FxA, listing counts as using the session. */
  async attachedClients(session: SessionToken, options: ListOptions = {}): Promise<AttachedClient[]> {
    const { uid } = session;
    await this.deps.sessions.touch(session);
    const [devices, oauthClients, sessions] = await Promise.all([
      this.deps.devices.list(uid),
      this.deps.oauth.authorizedClients(uid),
      this.deps.sessions.listForAccount(uid),
    ]);
    const since = options.filterIdleDevicesTimestamp;
    const shown = since ? devices.filter((device) => (device.lastAccessTime ?? device.createdAt) > since) : devices;
    return mergeAttachedClients(
      {
        devices: shown.map((device) => this.deviceEntry(device)),
        oauthClients,
        sessions: sessions.map((s) => ({ ...s, id: this.sessionHandle(uid, s.id) })),
        currentSessionId: this.sessionHandle(uid, session.id),
      },
      { now: this.deps.clock.now(), language: relativeTimeLanguage(options.acceptLanguage) },
    );
  }

  /** `GET /account/sessions` (deprecated in favour of attached clients). */
  async sessions(session: SessionToken, options: ListOptions = {}): Promise<SessionListing[]> {
    const { uid } = session;
    const [sessions, devices] = await Promise.all([this.deps.sessions.listForAccount(uid), this.deps.devices.list(uid)]);
    const byId = new Map(devices.map((device) => [device.id.toString('hex'), device]));
    const withDevices: SessionWithDevice[] = sessions.map((s) => {
      const device = s.deviceId ? byId.get(s.deviceId.toString('hex')) : undefined;
      return {
        ...s,
        id: this.sessionHandle(uid, s.id),
        device: device
          ? { id: device.id.toString('hex'), name: device.name, availableCommands: device.availableCommands, push: device.push }
          : null,
      };
    });
    return listSessions(withDevices, this.sessionHandle(uid, session.id), {
      now: this.deps.clock.now(),
      language: relativeTimeLanguage(options.acceptLanguage),
    });
  }

  /**
   * `POST /account/attached_client/destroy`, FxA's rules in FxA's order:
   * - `deviceId`: the device and every token it holds (its session, its refresh token); any
   *   session handle or refreshTokenId sent with it must be the device's (else 107, and
   *   nothing is destroyed); an unknown device is 123.
   * - `refreshTokenId` + `clientId`: that refresh token; one that is already gone (or never
   *   was the caller's) is not an error: the account is in the state asked for.
   * - `clientId` alone: everything the client holds for the account.
   * - a session handle: that session of the caller's (107 when it names none of theirs).
   */
  async destroy(session: SessionToken, request: DestroyRequest): Promise<void> {
    const clientId = present(request.clientId);
    const refreshTokenId = present(request.refreshTokenId);
    const deviceId = present(request.deviceId);
    const byOldName = present(request.sessionTokenId);
    const byNewName = present(request.sessionTokenHandle);
    if (byOldName && byNewName && byOldName !== byNewName) throw AppError.invalidParameter('body', ['sessionTokenHandle']);
    const handle = byOldName ?? byNewName;
    const handleKey = byOldName ? 'sessionTokenId' : 'sessionTokenHandle';

    if (!clientId && !refreshTokenId && !deviceId && !handle) {
      throw AppError.invalidParameter('body', ['clientId', 'sessionTokenId', 'refreshTokenId', 'deviceId']);
    }
    if (refreshTokenId && !clientId) throw AppError.invalidParameter('body', ['clientId']);

    if (deviceId) return this.destroyDevice(session.uid, Buffer.from(deviceId, 'hex'), handle, handleKey, refreshTokenId);
    // A client without a device holds no session.
    if (handle && clientId) throw AppError.invalidParameter('body', [handleKey]);
    if (clientId) return this.revokeClient(session.uid, clientId, refreshTokenId);
    return this.destroySession(session.uid, handle!, handleKey);
  }

  private async destroyDevice(
    uid: Buffer,
    deviceId: Buffer,
    handle: string | undefined,
    handleKey: string,
    refreshTokenId: string | undefined,
  ): Promise<void> {
    await this.deps.removal.destroy(uid, deviceId, (device) => {
      if (handle !== undefined && (!device.sessionTokenId || this.sessionHandle(uid, device.sessionTokenId) !== handle)) {
        throw AppError.invalidParameter('body', [handleKey]);
      }
      if (refreshTokenId !== undefined && device.refreshTokenId?.toString('hex') !== refreshTokenId) {
        throw AppError.invalidParameter('body', ['refreshTokenId']);
      }
    });
  }

  private async revokeClient(uid: Buffer, clientId: string, refreshTokenId: string | undefined): Promise<void> {
    try {
      await this.deps.oauth.destroyAuthorizedClient(uid, clientId, refreshTokenId);
    } catch (err) {
      // Already revoked (a race with another disconnect, or a stale list): the account is as asked.
      if (!(err instanceof OAuthError && err.errno === OAUTH_ERRNO.UNKNOWN_TOKEN)) throw err;
    }
  }

  private async destroySession(uid: Buffer, handle: string, handleKey: string): Promise<void> {
    const sessions = await this.deps.sessions.listForAccount(uid);
    const target = sessions.find((s) => this.sessionHandle(uid, s.id) === handle);
    if (!target) throw AppError.invalidParameter('body', [handleKey]);
    const removedDevice = await this.deps.db.transaction(async () => {
      // The session's device goes with it (the foreign key would take it anyway): removed here
      // first, in the order a device destroy takes its rows, so the other devices can be told.
      const device = await this.deps.devices.findBySession(target.id);
      const removed = device && device.uid.equals(uid) && (await this.deps.devices.delete(uid, device.id)) ? device : undefined;
      // Gone already (a concurrent sign-out): the account is as asked.
      await this.deps.sessions.deleteForAccount(uid, target.id);
      return removed;
    });
    if (removedDevice) await this.deps.removal.disconnected(removedDevice);
  }

  private deviceEntry(device: Device): DeviceEntry {
    return {
      id: device.id.toString('hex'),
      sessionTokenId: device.sessionTokenId && this.sessionHandle(device.uid, device.sessionTokenId),
      refreshTokenId: device.refreshTokenId?.toString('hex') ?? null,
      name: device.name,
      type: device.type,
      createdAt: device.createdAt,
      lastAccessTime: device.lastAccessTime,
    };
  }
}
