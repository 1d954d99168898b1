// `accounts-server keys list|rotate`: the operator's view of the OAuth signing keys.

import type { Db } from '../../db/index.js';
import { listSigningKeys, MAX_TOKEN_LIFETIME_MS, rotateSigningKeys } from './signing-keys.js';

/** Runs the command on an open, migrated database and returns the lines to print. */
export async function keysCommand(
  db: Db,
  action: 'list' | 'rotate',
  now: number,
  encryptionKey: Buffer | undefined,
): Promise<string[]> {
  if (action === 'rotate') {
    const result = await rotateSigningKeys(db, now, encryptionKey);
    if (result.phase === 'published') {
      return [`published next key ${result.kid} in the JWKS; run \`keys rotate\` again in a minute or more to make it active`];
    }
    return [
      `promoted ${result.kid} to active; ${result.retired} is retired (verifies for ${MAX_TOKEN_LIFETIME_MS / 3_600_000} h, then dropped)`,
      ...result.dropped.map((kid) => `dropped retired key ${kid}`),
    ];
  }
  const keys = await listSigningKeys(db);
  return ['kid\tstate\tcreatedAt', ...keys.map((key) => `${key.kid}\t${key.state}\t${new Date(key.createdAt).toISOString()}`)];
}
