// SQL for device records. The command queue has its own store; both are plain tables, so
// every instance sees the same devices.

import type { Db } from '../../db/index.js';
import { flag, SESSION_USER_AGENT_COLUMNS, type DeviceRow, type DevicesTable } from '../../db/schema.js';
import { userAgentOf, type UserAgentFields } from '../../http/user-agent.js';
import type { Device, DeviceChanges } from './model.js';

export function toDevice(row: DeviceRow): Device {
  return {
    uid: row.uid,
    id: row.id,
    sessionTokenId: row.sessionTokenId,
    refreshTokenId: row.refreshTokenId,
    name: row.name,
    type: row.type,
    createdAt: Number(row.createdAt),
    push: row.pushCallback
      ? {
          callback: row.pushCallback,
          publicKey: row.pushPublicKey,
          authKey: row.pushAuthKey,
          endpointExpired: row.pushEndpointExpired === 1,
        }
      : null,
    availableCommands: JSON.parse(row.availableCommands) as Device['availableCommands'],
    lastAccessTime: row.lastAccessTime === null ? null : Number(row.lastAccessTime),
  };
}

function toColumns(changes: DeviceChanges): Partial<DevicesTable> {
  const { pushEndpointExpired, availableCommands, ...rest } = changes;
  const columns: Partial<DevicesTable> = { ...rest };
  if (pushEndpointExpired !== undefined) columns.pushEndpointExpired = flag(pushEndpointExpired);
  if (availableCommands !== undefined) columns.availableCommands = JSON.stringify(availableCommands);
  return columns;
}

export interface NewDevice extends DeviceChanges {
  uid: Buffer;
  id: Buffer;
  sessionTokenId: Buffer | null;
  refreshTokenId: Buffer | null;
  createdAt: number;
}

export class DeviceStore {
  constructor(private readonly db: Db) {}

  /** Throws a unique violation when the token already has a device (a race the service turns into 124). */
  async insert(device: NewDevice): Promise<void> {
    await this.db.current
      .insertInto('devices')
      .values({
        name: null,
        type: null,
        pushCallback: null,
        pushPublicKey: null,
        pushAuthKey: null,
        lastAccessTime: null,
        lastCommandIndex: 0,
        ...toColumns(device),
        uid: device.uid,
        id: device.id,
        sessionTokenId: device.sessionTokenId,
        refreshTokenId: device.refreshTokenId,
        createdAt: device.createdAt,
        pushEndpointExpired: flag(device.pushEndpointExpired ?? false),
        availableCommands: JSON.stringify(device.availableCommands ?? {}),
      })
      .execute();
  }

  /** True when the device exists (and was changed). */
  async update(uid: Buffer, id: Buffer, changes: DeviceChanges): Promise<boolean> {
    const columns = toColumns(changes);
    if (Object.keys(columns).length === 0) return (await this.find(uid, id)) !== undefined;
    const result = await this.db.current
      .updateTable('devices')
      .set(columns)
      .where('uid', '=', uid)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async find(uid: Buffer, id: Buffer): Promise<Device | undefined> {
    const row = await this.db.current
      .selectFrom('devices')
      .selectAll()
      .where('uid', '=', uid)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async findBySession(sessionTokenId: Buffer): Promise<Device | undefined> {
    const row = await this.db.current
      .selectFrom('devices')
      .selectAll()
      .where('sessionTokenId', '=', sessionTokenId)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async findByRefreshToken(refreshTokenId: Buffer): Promise<Device | undefined> {
    const row = await this.db.current
      .selectFrom('devices')
      .selectAll()
      .where('refreshTokenId', '=', refreshTokenId)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  /** Every device of the account, oldest first. */
  async list(uid: Buffer): Promise<Device[]> {
    const rows = await this.db.current
      .selectFrom('devices')
      .selectAll()
      .where('uid', '=', uid)
      .orderBy('createdAt')
      .orderBy('id')
      .execute();
    return rows.map(toDevice);
  }

  /**
   * Every device of the account, oldest first, with its session's user agent (what a missing
   * name is synthesised from, and a missing type falls back to; null without a session) and
   * whether that session is confirmed (false without one). Device listing and the push sender
   * both read it: one query, joined rather than asked of two features.
   */
  async listWithUserAgents(
    uid: Buffer,
  ): Promise<Array<{ device: Device; userAgent: UserAgentFields | null; sessionConfirmed: boolean }>> {
    const rows = await this.db.current
      .selectFrom('devices as d')
      .leftJoin('sessionTokens as s', 's.tokenId', 'd.sessionTokenId')
      .selectAll('d')
      .select(['s.tokenId as sessionFound', 's.tokenVerificationId as pending', ...SESSION_USER_AGENT_COLUMNS])
      .where('d.uid', '=', uid)
      .orderBy('d.createdAt')
      .orderBy('d.id')
      .execute();
    // The user-agent columns ride along into toDevice's row; it reads only the device's own.
    return rows.map(({ sessionFound, pending, ...row }) => ({
      device: toDevice(row),
      userAgent: sessionFound ? userAgentOf(row) : null,
      sessionConfirmed: sessionFound !== null && pending === null,
    }));
  }

  /** Deletes the device (its queued commands go with it); true when this call did. */
  async delete(uid: Buffer, id: Buffer): Promise<boolean> {
    const result = await this.db.current.deleteFrom('devices').where('uid', '=', uid).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The push service said the endpoint is gone (404/410); only while the callback is still the one that failed. */
  async markPushEndpointExpired(uid: Buffer, id: Buffer, callback: string): Promise<void> {
    await this.db.current
      .updateTable('devices')
      .set({ pushEndpointExpired: 1 })
      .where('uid', '=', uid)
      .where('id', '=', id)
      .where('pushCallback', '=', callback)
      .execute();
  }

  /** Records the device's last request time (callers coalesce: this is not run on every request). */
  async touch(uid: Buffer, id: Buffer, at: number): Promise<void> {
    await this.db.current.updateTable('devices').set({ lastAccessTime: at }).where('uid', '=', uid).where('id', '=', id).execute();
  }

  /** Moves a device to the refresh token that replaced its own (rotation). */
  async moveToRefreshToken(previous: Buffer, next: Buffer): Promise<void> {
    await this.db.current.updateTable('devices').set({ refreshTokenId: next }).where('refreshTokenId', '=', previous).execute();
  }
}
