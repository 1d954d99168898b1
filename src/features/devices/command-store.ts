// SQL for the device command queue (Mozilla's pushbox, PROTOCOL.md §9.3). Each device's
// counter (`devices.lastCommandIndex`) hands out its queue's indexes; entries live in
// `deviceCommands` until they expire. Every instance reads and writes the same tables.

import type { Db } from '../../db/index.js';
import type { DeviceCommandRow } from '../../db/schema.js';

/** One queued command as the service sees it. */
export interface QueuedCommand {
  index: number;
  command: string;
  /** The JSON text the sender's payload was stored as. */
  payload: string;
  sender: Buffer | null;
}

export interface NewQueuedCommand {
  uid: Buffer;
  deviceId: Buffer;
  index: number;
  command: string;
  payload: string;
  sender: Buffer | null;
  createdAt: number;
  expiresAt: number;
}

export class DeviceCommandStore {
  constructor(private readonly db: Db) {}

  /**
   * Takes the device's next index: one atomic `lastCommandIndex = lastCommandIndex + 1`
   * (the row stays locked until the caller's transaction ends, so concurrent callers get
   * consecutive values on MySQL/MariaDB and PostgreSQL, and SQLite has one writer), then
   * reads it back on the same connection. Null when the device does not exist. Must run
   * inside a transaction that also inserts the entry.
   */
  async nextIndex(uid: Buffer, deviceId: Buffer): Promise<number | null> {
    const updated = await this.db.current
      .updateTable('devices')
      .set((eb) => ({ lastCommandIndex: eb('lastCommandIndex', '+', 1) }))
      .where('uid', '=', uid)
      .where('id', '=', deviceId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return null;
    const row = await this.db.current
      .selectFrom('devices')
      .select('lastCommandIndex')
      .where('uid', '=', uid)
      .where('id', '=', deviceId)
      .executeTakeFirstOrThrow();
    return Number(row.lastCommandIndex);
  }

  async insert(entry: NewQueuedCommand): Promise<void> {
    await this.db.current
      .insertInto('deviceCommands')
      .values({
        uid: entry.uid,
        deviceId: entry.deviceId,
        idx: entry.index,
        command: entry.command,
        payload: entry.payload,
        sender: entry.sender,
        createdAt: entry.createdAt,
        expiresAt: entry.expiresAt,
      })
      .execute();
  }

  /** Up to `limit` unexpired entries of the device with index ≥ `fromIndex`, oldest first. */
  async list(uid: Buffer, deviceId: Buffer, fromIndex: number, limit: number, now: number): Promise<QueuedCommand[]> {
    const query = this.db.kysely
      .selectFrom('deviceCommands')
      .select(['idx', 'command', 'payload', 'sender'])
      .where('uid', '=', uid)
      .where('deviceId', '=', deviceId)
      .where('idx', '>=', fromIndex)
      .where('expiresAt', '>', now)
      .orderBy('idx')
      .limit(limit)
      .compile();
    const rows: Pick<DeviceCommandRow, 'idx' | 'command' | 'payload' | 'sender'>[] = await this.db.read(query);
    return rows.map((row) => ({ index: Number(row.idx), command: row.command, payload: row.payload, sender: row.sender }));
  }

  /**
   * Deletes expired entries (expiresAt ≤ now), at most about `max` of them: those up to the
   * expiry time of the `max`-th oldest (entries expiring in the same millisecond go
   * together). Returns how many went.
   */
  async purgeExpired(now: number, max: number): Promise<number> {
    const boundary = await this.db.current
      .selectFrom('deviceCommands')
      .select('expiresAt')
      .where('expiresAt', '<=', now)
      .orderBy('expiresAt')
      .limit(1)
      .offset(max - 1)
      .executeTakeFirst();
    const cutoff = boundary ? Number(boundary.expiresAt) : now;
    const result = await this.db.current.deleteFrom('deviceCommands').where('expiresAt', '<=', cutoff).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
