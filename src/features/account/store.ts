// SQL for accounts and their email addresses.

import type { Kysely, Selectable } from 'kysely';
import type { Database, EmailsTable, AccountsTable } from '../../db/schema.js';
import type { EmailStore } from '../emails/store.js';
import type { Executor } from '../session/store.js';

export type AccountRow = Selectable<AccountsTable>;
export type EmailRow = Selectable<EmailsTable>;

export interface AccountRecord {
  account: AccountRow;
  primary: EmailRow;
}

export interface AccountByEmail extends AccountRecord {
  /** The address that was looked up: the primary or a secondary one. */
  matched: EmailRow;
}

export class AccountStore {
  constructor(
    private readonly db: Kysely<Database>,
    /** The SQL of the emails table, shared with the emails feature. */
    readonly emails: EmailStore,
  ) {}

  async insert(account: AccountRow, primary: EmailRow, exec: Executor = this.db): Promise<void> {
    await exec.insertInto('accounts').values(account).execute();
    await exec.insertInto('emails').values(primary).execute();
  }

  /** Finds the account owning an address, whichever of its addresses it is. */
  async findByEmail(normalizedEmail: string): Promise<AccountByEmail | undefined> {
    const matched = await this.emails.find(normalizedEmail);
    if (!matched) return undefined;
    const record = await this.findByUid(matched.uid);
    return record && { ...record, matched };
  }

  async findByUid(uid: Buffer, exec: Executor = this.db): Promise<AccountRecord | undefined> {
    const account = await exec.selectFrom('accounts').selectAll().where('uid', '=', uid).executeTakeFirst();
    if (!account) return undefined;
    const primary = await exec
      .selectFrom('emails')
      .selectAll()
      .where('uid', '=', uid)
      .where('isPrimary', '=', 1)
      .executeTakeFirstOrThrow();
    return { account, primary };
  }

  async exists(uid: Buffer): Promise<boolean> {
    const row = await this.db.selectFrom('accounts').select('uid').where('uid', '=', uid).executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes the account; its emails and tokens go with it (ON DELETE CASCADE). */
  async delete(uid: Buffer, exec: Executor = this.db): Promise<void> {
    await exec.deleteFrom('accounts').where('uid', '=', uid).execute();
  }

  /** Marks the account and its primary address verified; false when it already was. */
  async markVerified(uid: Buffer, at: number, exec: Executor = this.db): Promise<boolean> {
    const result = await exec
      .updateTable('accounts')
      .set({ emailVerified: 1 })
      .where('uid', '=', uid)
      .where('emailVerified', '=', 0)
      .executeTakeFirst();
    await exec
      .updateTable('emails')
      .set({ isVerified: 1, verifiedAt: at })
      .where('uid', '=', uid)
      .where('isPrimary', '=', 1)
      .where('isVerified', '=', 0)
      .execute();
    return Number(result.numUpdatedRows) > 0;
  }
}
