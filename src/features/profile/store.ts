// SQL for the profile server's own data: the display name (`profiles`). The account's email
// and locale belong to the account feature and are read through its service.

import { upsert, type Db } from '../../db/index.js';

export class ProfileStore {
  constructor(private readonly db: Db) {}

  /** The display name, or null when none is set. */
  async displayName(uid: Buffer): Promise<string | null> {
    const row = await this.db.current.selectFrom('profiles').select('displayName').where('uid', '=', uid).executeTakeFirst();
    return row?.displayName ?? null;
  }

  /** Sets the display name; null clears it. One statement, so two racing writes leave one of them. */
  async setDisplayName(uid: Buffer, displayName: string | null): Promise<void> {
    await upsert(this.db, 'profiles', { uid, displayName }, ['uid'], ['displayName']);
  }
}
