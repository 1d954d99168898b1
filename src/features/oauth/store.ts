// SQL for the OAuth signing keys. The private JWK arrives here already sealed (or as plain
// JSON when no OAUTH_KEY_ENCRYPTION_KEY is set); this store never sees a key in clear otherwise.

import { isUniqueViolation, type Db } from '../../db/index.js';
import type { SigningKeyRow } from '../../db/schema.js';

export interface StoredSigningKey {
  kid: string;
  /** null: retired. */
  role: 'active' | 'next' | null;
  publicJwk: string;
  /** Sealed or plain JSON; null once retired. */
  privateJwk: string | null;
  createdAt: number;
  retiredAt: number | null;
}

const fromRow = (row: SigningKeyRow): StoredSigningKey => ({
  kid: row.kid,
  role: row.role === 'active' || row.role === 'next' ? row.role : null,
  publicJwk: row.publicJwk,
  privateJwk: row.privateJwk,
  createdAt: Number(row.createdAt),
  retiredAt: row.retiredAt === null ? null : Number(row.retiredAt),
});

export class SigningKeyStore {
  constructor(private readonly db: Db) {}

  async list(): Promise<StoredSigningKey[]> {
    const rows = await this.db.current.selectFrom('oauthSigningKeys').selectAll().orderBy('createdAt', 'desc').execute();
    return rows.map(fromRow);
  }

  async findByRole(role: 'active' | 'next'): Promise<StoredSigningKey | undefined> {
    const row = await this.db.current.selectFrom('oauthSigningKeys').selectAll().where('role', '=', role).executeTakeFirst();
    return row && fromRow(row);
  }

  /** Stores a key in `role` unless another key holds that role already (false then). */
  async insert(key: StoredSigningKey & { role: 'active' | 'next' }): Promise<boolean> {
    try {
      await this.db.current.insertInto('oauthSigningKeys').values(key).execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** Retires the active key (dropping its private part) and promotes `next`; call inside a transaction. */
  async promoteNext(nextKid: string, now: number): Promise<void> {
    await this.db.current
      .updateTable('oauthSigningKeys')
      .set({ role: null, privateJwk: null, retiredAt: now })
      .where('role', '=', 'active')
      .execute();
    await this.db.current
      .updateTable('oauthSigningKeys')
      .set({ role: 'active' })
      .where('kid', '=', nextKid)
      .where('role', '=', 'next')
      .execute();
  }

  /** Deletes retired keys retired before `before`; returns their kids. */
  async deleteRetiredBefore(before: number): Promise<string[]> {
    const doomed = await this.db.current
      .selectFrom('oauthSigningKeys')
      .select('kid')
      .where('role', 'is', null)
      .where('retiredAt', '<', before)
      .execute();
    if (doomed.length === 0) return [];
    const kids = doomed.map((row) => row.kid);
    await this.db.current.deleteFrom('oauthSigningKeys').where('kid', 'in', kids).where('role', 'is', null).execute();
    return kids;
  }
}
