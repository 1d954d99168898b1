// SQL for the emails table: every address of every account. The one home of address
// lookups, used by the account feature (sign-up, sign-in) and this one.

import type { Db } from '../../db/index.js';
import { flag, type EmailRow } from '../../db/schema.js';
import type { EmailAddress } from '../account/model.js';

export const toEmailAddress = (row: EmailRow): EmailAddress => ({
  ...row,
  isVerified: row.isVerified === 1,
  isPrimary: row.isPrimary === 1,
});

export const toEmailRow = (address: EmailAddress): EmailRow => ({
  ...address,
  isVerified: flag(address.isVerified),
  isPrimary: flag(address.isPrimary),
});

export class EmailStore {
  constructor(private readonly db: Db) {}

  async find(normalizedEmail: string): Promise<EmailAddress | undefined> {
    const row = await this.db.current
      .selectFrom('emails')
      .selectAll()
      .where('normalizedEmail', '=', normalizedEmail)
      .executeTakeFirst();
    return row && toEmailAddress(row);
  }

  /** The primary first, then the others in the order they were added. */
  async list(uid: Buffer): Promise<EmailAddress[]> {
    const rows = await this.db.current
      .selectFrom('emails')
      .selectAll()
      .where('uid', '=', uid)
      .orderBy('isPrimary', 'desc')
      .orderBy('createdAt')
      .orderBy('normalizedEmail')
      .execute();
    return rows.map(toEmailAddress);
  }

  async insert(address: EmailAddress): Promise<void> {
    await this.db.current.insertInto('emails').values(toEmailRow(address)).execute();
  }

  /** True when the address was there to delete. */
  async delete(uid: Buffer, normalizedEmail: string): Promise<boolean> {
    const result = await this.db.current
      .deleteFrom('emails')
      .where('uid', '=', uid)
      .where('normalizedEmail', '=', normalizedEmail)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Marks an unverified address verified; false when it was not (any more) waiting. */
  async markVerified(uid: Buffer, normalizedEmail: string, at: number): Promise<boolean> {
    const result = await this.db.current
      .updateTable('emails')
      .set({ isVerified: 1, verifiedAt: at })
      .where('uid', '=', uid)
      .where('normalizedEmail', '=', normalizedEmail)
      .where('isVerified', '=', 0)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Makes `normalizedEmail` the account's only primary address (two rows: run in a transaction). */
  async setPrimary(uid: Buffer, normalizedEmail: string): Promise<void> {
    await this.db.current.updateTable('emails').set({ isPrimary: 0 }).where('uid', '=', uid).where('isPrimary', '=', 1).execute();
    await this.db.current
      .updateTable('emails')
      .set({ isPrimary: 1 })
      .where('uid', '=', uid)
      .where('normalizedEmail', '=', normalizedEmail)
      .execute();
  }
}
