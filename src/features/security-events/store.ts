// SQL for the account security history.

import type { Db } from '../../db/index.js';
import type { SecurityEventRow } from '../../db/schema.js';

export class SecurityEventStore {
  constructor(private readonly db: Db) {}

  async insert(row: SecurityEventRow): Promise<void> {
    await this.db.current.insertInto('securityEvents').values(row).execute();
  }

  /** Events recorded with a session become verified when that session is confirmed. */
  async markVerified(uid: Buffer, tokenVerificationId: Buffer): Promise<void> {
    await this.db.current
      .updateTable('securityEvents')
      .set({ verified: 1 })
      .where('uid', '=', uid)
      .where('tokenVerificationId', '=', tokenVerificationId)
      .execute();
  }

  async latestVerified(uid: Buffer, names: readonly string[], ipAddrHmac: Buffer): Promise<number | undefined> {
    const row = await this.db.current
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
