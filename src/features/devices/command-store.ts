// SQL for the device command queue (Mozilla's pushbox, PROTOCOL.md §9.3). Each device's
// counter (`devices.lastCommandIndex`) hands out its queue's indexes; entries live in
// `deviceCommands` until they expire. Every instance reads and writes the same tables.
//
// The statements run on every invoke_command and device/commands request are built once
// and only re-bound per call: building a query with Kysely costs more than SQLite takes to
// run it.

import { CompiledQuery } from 'kysely';
import type { Db } from '../../db/index.js';
import type { DeviceCommandRow, DeviceRow } from '../../db/schema.js';
import type { AvailableCommands } from './model.js';

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

/**
 * A query built once with placeholder values, re-bound by position: `bind(a, b, …)` puts
 * the i-th value where the i-th placeholder was. Placeholders must be distinct parameters.
 */
function prebuilt<Row>(compiled: CompiledQuery<Row>, placeholders: readonly unknown[]) {
  const positions = placeholders.map((placeholder) => {
    const index = compiled.parameters.indexOf(placeholder);
    if (index < 0 || compiled.parameters.lastIndexOf(placeholder) !== index) {
      throw new Error('prebuilt: each placeholder must appear exactly once among the parameters');
    }
    return index;
  });
  return (...values: unknown[]): CompiledQuery<Row> => {
    const parameters = [...compiled.parameters];
    positions.forEach((position, i) => (parameters[position] = values[i]));
    return CompiledQuery.raw(compiled.sql, parameters) as CompiledQuery<Row>;
  };
}

// Distinct placeholder values (Buffers are told apart by identity, numbers by value).
const UID = Buffer.from('placeholder uid');
const DEVICE = Buffer.from('placeholder device');
const FROM = -7_000_001;
const NOW = -7_000_002;
const LIMIT = -7_000_003;
const INDEX = -7_000_004;
const CREATED_AT = -7_000_005;
const EXPIRES_AT = -7_000_006;
const SENDER = Buffer.from('placeholder sender');
const COMMAND = 'placeholder command';
const PAYLOAD = 'placeholder payload';

export class DeviceCommandStore {
  private readonly commandsOf;
  private readonly bumpIndex;
  private readonly readIndex;
  private readonly page;
  private readonly add;

  constructor(private readonly db: Db) {
    const { kysely } = db;
    this.commandsOf = prebuilt(
      kysely.selectFrom('devices').select(['id', 'availableCommands']).where('uid', '=', UID).where('id', '=', DEVICE).compile(),
      [UID, DEVICE],
    );
    this.bumpIndex = prebuilt(
      kysely
        .updateTable('devices')
        .set((eb) => ({ lastCommandIndex: eb('lastCommandIndex', '+', 1) }))
        .where('uid', '=', UID)
        .where('id', '=', DEVICE)
        .compile(),
      [UID, DEVICE],
    );
    this.readIndex = prebuilt(
      kysely.selectFrom('devices').select('lastCommandIndex').where('uid', '=', UID).where('id', '=', DEVICE).compile(),
      [UID, DEVICE],
    );
    this.page = prebuilt(
      kysely
        .selectFrom('deviceCommands')
        .select(['idx', 'command', 'payload', 'sender'])
        .where('uid', '=', UID)
        .where('deviceId', '=', DEVICE)
        .where('idx', '>=', FROM)
        .where('expiresAt', '>', NOW)
        .orderBy('idx')
        .limit(LIMIT)
        .compile(),
      [UID, DEVICE, FROM, NOW, LIMIT],
    );
    this.add = prebuilt(
      kysely
        .insertInto('deviceCommands')
        .values({
          uid: UID,
          deviceId: DEVICE,
          idx: INDEX,
          command: COMMAND,
          payload: PAYLOAD,
          sender: SENDER,
          createdAt: CREATED_AT,
          expiresAt: EXPIRES_AT,
        })
        .compile(),
      [UID, DEVICE, INDEX, COMMAND, PAYLOAD, SENDER, CREATED_AT, EXPIRES_AT],
    );
  }

  /** The device's id as stored and the commands it offers; undefined when the account has no such device. */
  async availableCommands(uid: Buffer, deviceId: Buffer): Promise<{ id: Buffer; commands: AvailableCommands } | undefined> {
    const [row] = await this.db.read(this.commandsOf(uid, deviceId) as CompiledQuery<Pick<DeviceRow, 'id' | 'availableCommands'>>);
    return row && { id: row.id, commands: JSON.parse(row.availableCommands) as AvailableCommands };
  }

  /**
   * Takes the device's next index: one atomic `lastCommandIndex = lastCommandIndex + 1`
   * (the row stays locked until the caller's transaction ends, so concurrent callers get
   * consecutive values on MySQL/MariaDB and PostgreSQL, and SQLite has one writer), then
   * reads it back on the same connection. Null when the device does not exist. Must run
   * inside a transaction that also inserts the entry.
   */
  async nextIndex(uid: Buffer, deviceId: Buffer): Promise<number | null> {
    const updated = await this.db.current.executeQuery(this.bumpIndex(uid, deviceId));
    if (Number(updated.numAffectedRows ?? 0) === 0) return null;
    const { rows } = await this.db.current.executeQuery(
      this.readIndex(uid, deviceId) as CompiledQuery<Pick<DeviceRow, 'lastCommandIndex'>>,
    );
    if (!rows[0]) throw new Error('device command index: the row just updated is not there');
    return Number(rows[0].lastCommandIndex);
  }

  async insert(entry: NewQueuedCommand): Promise<void> {
    const { uid, deviceId, index, command, payload, sender, createdAt, expiresAt } = entry;
    await this.db.current.executeQuery(this.add(uid, deviceId, index, command, payload, sender, createdAt, expiresAt));
  }

  /** Up to `limit` unexpired entries of the device with index ≥ `fromIndex`, oldest first. */
  async list(uid: Buffer, deviceId: Buffer, fromIndex: number, limit: number, now: number): Promise<QueuedCommand[]> {
    const rows = await this.db.read(
      this.page(uid, deviceId, fromIndex, now, limit) as CompiledQuery<
        Pick<DeviceCommandRow, 'idx' | 'command' | 'payload' | 'sender'>
      >,
    );
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
