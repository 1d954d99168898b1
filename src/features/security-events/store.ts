// SQL for the account security history.

import type { Kysely, Selectable } from 'kysely';
import type { Database, SecurityEventsTable } from '../../db/schema.js';
import type { Executor } from '../session/store.js';

export type SecurityEventRow = Selectable<SecurityEventsTable>;

export class SecurityEventStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: SecurityEventRow, exec: Executor = this.db): Promise<void> {
    await exec.insertInto('securityEvents').values(row).execute();
  }

  /** Events recorded with a session become verified when that session is confirmed. */
  async markVerified(uid: Buffer, tokenVerificationId: Buffer, exec: Executor = this.db): Promise<void> {
    await exec
      .updateTable('securityEvents')
      .set({ verified: 1 })
      .where('uid', '=', uid)
      .where('tokenVerificationId', '=', tokenVerificationId)
      .execute();
  }

  async latestVerified(uid: Buffer, names: readonly string[], ipAddrHmac: Buffer): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('securityEvents')
      .select((eb) => eb.fn.max('createdAt').as('latest'))
      .where('uid', '=', uid)
      .where('ipAddrHmac', '=', ipAddrHmac)
      .where('verified', '=', 1)
      .where('name', 'in', names)
      .executeTakeFirst();
    return row?.latest === null || row?.latest === undefined ? undefined : Number(row.latest);
  }
}
