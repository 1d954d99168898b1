// SQL for accounts. Addresses live in the emails table (EmailStore); an account is
// always read with its primary address.

import type { Db } from '../../db/index.js';
import { flag, type AccountRow } from '../../db/schema.js';
import { toEmailAddress, toEmailRow, type EmailStore } from '../emails/store.js';
import type { Account, AccountByEmail, AccountRecord } from './model.js';

const toAccount = (row: AccountRow): Account => ({ ...row, emailVerified: row.emailVerified === 1 });
const toAccountRow = (account: Account): AccountRow => ({ ...account, emailVerified: flag(account.emailVerified) });

export class AccountStore {
  constructor(
    private readonly db: Db,
    private readonly emails: EmailStore,
  ) {}

  /** The account and its primary address (two rows: run in a transaction). */
  async insert({ account, primary }: AccountRecord): Promise<void> {
    await this.db.current.insertInto('accounts').values(toAccountRow(account)).execute();
    await this.db.current.insertInto('emails').values(toEmailRow(primary)).execute();
  }

  /** Finds the account owning an address, whichever of its addresses it is. */
  async findByEmail(normalizedEmail: string): Promise<AccountByEmail | undefined> {
    const matched = await this.emails.find(normalizedEmail);
    if (!matched) return undefined;
    const record = await this.findByUid(matched.uid);
    return record && { ...record, matched };
  }

  async findByUid(uid: Buffer): Promise<AccountRecord | undefined> {
    const account = await this.db.current.selectFrom('accounts').selectAll().where('uid', '=', uid).executeTakeFirst();
    if (!account) return undefined;
    const primary = await this.db.current
      .selectFrom('emails')
      .selectAll()
      .where('uid', '=', uid)
      .where('isPrimary', '=', 1)
      .executeTakeFirstOrThrow();
    return { account: toAccount(account), primary: toEmailAddress(primary) };
  }

  /** Every account with its primary address, oldest first (the operator's `user list`). */
  async listAll(): Promise<Array<{ uid: Buffer; email: string; verified: boolean; createdAt: number }>> {
    const rows = await this.db.current
      .selectFrom('accounts')
      .innerJoin('emails', (join) => join.onRef('emails.uid', '=', 'accounts.uid').on('emails.isPrimary', '=', 1))
      .select(['accounts.uid', 'emails.email', 'emails.isVerified', 'accounts.createdAt'])
      .orderBy('accounts.createdAt')
      .orderBy('emails.normalizedEmail')
      .execute();
    return rows.map((row) => ({ uid: row.uid, email: row.email, verified: row.isVerified === 1, createdAt: row.createdAt }));
  }

  async exists(uid: Buffer): Promise<boolean> {
    const row = await this.db.current.selectFrom('accounts').select('uid').where('uid', '=', uid).executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes the account; its addresses, tokens, reminders and events go with it (ON DELETE CASCADE). */
  async delete(uid: Buffer): Promise<void> {
    await this.db.current.deleteFrom('accounts').where('uid', '=', uid).execute();
  }

  /** Deletes the account only while it is unverified; true when it did. */
  async deleteIfUnverified(uid: Buffer): Promise<boolean> {
    const result = await this.db.current
      .deleteFrom('accounts')
      .where('uid', '=', uid)
      .where('emailVerified', '=', 0)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async setProfileChangedAt(uid: Buffer, at: number): Promise<void> {
    await this.db.current.updateTable('accounts').set({ profileChangedAt: at }).where('uid', '=', uid).execute();
  }

  /** Marks the account and its primary address verified; false when it already was. */
  async markVerified(uid: Buffer, at: number): Promise<boolean> {
    const result = await this.db.current
      .updateTable('accounts')
      .set({ emailVerified: 1 })
      .where('uid', '=', uid)
      .where('emailVerified', '=', 0)
      .executeTakeFirst();
    await this.db.current
      .updateTable('emails')
      .set({ isVerified: 1, verifiedAt: at })
      .where('uid', '=', uid)
      .where('isPrimary', '=', 1)
      .where('isVerified', '=', 0)
      .execute();
    return Number(result.numUpdatedRows) > 0;
  }
}
