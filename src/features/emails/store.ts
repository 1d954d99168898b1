// SQL for an account's addresses beyond sign-up: secondary addresses and the primary switch.

import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { EmailRow } from '../account/store.js';
import type { Executor } from '../session/store.js';

export class EmailStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(normalizedEmail: string, exec: Executor = this.db): Promise<EmailRow | undefined> {
    return exec.selectFrom('emails').selectAll().where('normalizedEmail', '=', normalizedEmail).executeTakeFirst();
  }

  /** The primary first, then the others in the order they were added. */
  async list(uid: Buffer, exec: Executor = this.db): Promise<EmailRow[]> {
    return exec
      .selectFrom('emails')
      .selectAll()
      .where('uid', '=', uid)
      .orderBy('isPrimary', 'desc')
      .orderBy('createdAt')
      .orderBy('normalizedEmail')
      .execute();
  }

  async insert(row: EmailRow, exec: Executor = this.db): Promise<void> {
    await exec.insertInto('emails').values(row).execute();
  }

  async delete(uid: Buffer, normalizedEmail: string, exec: Executor = this.db): Promise<void> {
    await exec.deleteFrom('emails').where('uid', '=', uid).where('normalizedEmail', '=', normalizedEmail).execute();
  }

  async markVerified(uid: Buffer, normalizedEmail: string, at: number, exec: Executor = this.db): Promise<void> {
    await exec
      .updateTable('emails')
      .set({ isVerified: 1, verifiedAt: at })
      .where('uid', '=', uid)
      .where('normalizedEmail', '=', normalizedEmail)
      .execute();
  }

  /** Makes `normalizedEmail` the account's only primary address. */
  async setPrimary(uid: Buffer, normalizedEmail: string, exec: Executor): Promise<void> {
    await exec.updateTable('emails').set({ isPrimary: 0 }).where('uid', '=', uid).where('isPrimary', '=', 1).execute();
    await exec
      .updateTable('emails')
      .set({ isPrimary: 1 })
      .where('uid', '=', uid)
      .where('normalizedEmail', '=', normalizedEmail)
      .execute();
  }
}
