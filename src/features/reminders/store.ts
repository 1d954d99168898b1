// SQL for scheduled reminder mails. A row is one pending reminder; an instance owns it
// while `claimedUntil` is in the future, so two instances never send the same one.

import { upsert, type Db } from '../../db/index.js';
import type { ReminderRow } from '../../db/schema.js';

export type { ReminderRow };

export class ReminderStore {
  constructor(private readonly db: Db) {}

  /**
   * (Re)schedules `kind` for `uid`: a reminder exists at most once per account, and
   * rescheduling one replaces it in a single statement (two requests may race).
   */
  async schedule(uid: Buffer, kind: string, dueAt: number, flow: { flowId?: string; flowBeginTime?: number } = {}): Promise<void> {
    const row: ReminderRow = {
      uid,
      kind,
      dueAt,
      claimedUntil: null,
      flowId: flow.flowId ?? null,
      flowBeginTime: flow.flowBeginTime ?? null,
    };
    await upsert(this.db, 'reminders', row, ['uid', 'kind'], ['dueAt', 'claimedUntil', 'flowId', 'flowBeginTime']);
  }

  async cancel(uid: Buffer, kinds: readonly string[]): Promise<void> {
    await this.db.current.deleteFrom('reminders').where('uid', '=', uid).where('kind', 'in', kinds).execute();
  }

  async list(uid: Buffer): Promise<ReminderRow[]> {
    return this.db.current.selectFrom('reminders').selectAll().where('uid', '=', uid).orderBy('dueAt').execute();
  }

  async due(now: number, limit: number): Promise<ReminderRow[]> {
    return this.db.current
      .selectFrom('reminders')
      .selectAll()
      .where('dueAt', '<=', now)
      .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<=', now)]))
      .orderBy('dueAt')
      .limit(limit)
      .execute();
  }

  /** Takes the reminder for `leaseMs`; false when another instance holds it or it changed. */
  async claim(row: ReminderRow, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.db.current
      .updateTable('reminders')
      .set({ claimedUntil: now + leaseMs })
      .where('uid', '=', row.uid)
      .where('kind', '=', row.kind)
      .where('dueAt', '=', row.dueAt)
      .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<=', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Removes a sent (or obsolete) reminder, unless it was rescheduled meanwhile. */
  async complete(row: ReminderRow): Promise<void> {
    await this.db.current
      .deleteFrom('reminders')
      .where('uid', '=', row.uid)
      .where('kind', '=', row.kind)
      .where('dueAt', '=', row.dueAt)
      .execute();
  }

  /** Lets the reminder be tried again after `until` (a failed delivery). */
  async postpone(row: ReminderRow, until: number): Promise<void> {
    await this.db.current
      .updateTable('reminders')
      .set({ claimedUntil: until })
      .where('uid', '=', row.uid)
      .where('kind', '=', row.kind)
      .where('dueAt', '=', row.dueAt)
      .execute();
  }
}
