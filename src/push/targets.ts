// The account's devices with what the sender needs to pick recipients: the subscription and
// the user agent of the device's session (iOS gets fewer messages; login requests go to
// confirmed desktop Firefox only). One query, joined rather than asked of two features.

import type { Db } from '../db/index.js';
import { toDevice } from '../features/devices/store.js';
import type { PushTarget } from './model.js';

export class PushTargets {
  constructor(private readonly db: Db) {}

  /** Every device of the account, oldest first. */
  async list(uid: Buffer): Promise<PushTarget[]> {
    const rows = await this.db.current
      .selectFrom('devices as d')
      .leftJoin('sessionTokens as s', 's.tokenId', 'd.sessionTokenId')
      .selectAll('d')
      .select(['s.uaOS as uaOS', 's.uaBrowser as uaBrowser', 's.tokenId as sessionFound', 's.tokenVerificationId as pending'])
      .where('d.uid', '=', uid)
      .orderBy('d.createdAt')
      .orderBy('d.id')
      .execute();
    return rows.map((row) => {
      const device = toDevice(row);
      return {
        id: device.id,
        sessionTokenId: device.sessionTokenId,
        type: device.type,
        push: device.push,
        uaOS: row.uaOS,
        uaBrowser: row.uaBrowser,
        verified: device.sessionTokenId === null || (row.sessionFound !== null && row.pending === null),
      };
    });
  }
}
