// Secrets every instance must share (e.g. the key that pseudonymises IP addresses),
// kept in the database so a scaled-out deployment needs no extra configuration.

import { upsert, type Db } from './index.js';

/** The secret called `name`, created with `size` random bytes by whichever instance asks first. */
export async function serverSecret(db: Db, name: string, size: number, random: (n: number) => Buffer): Promise<Buffer> {
  const find = () => db.current.selectFrom('serverSecrets').select('value').where('name', '=', name).executeTakeFirst();
  const existing = await find();
  if (existing) return existing.value;
  // Several instances starting at once: the first insert wins and everyone reads its secret.
  await upsert(db, 'serverSecrets', { name, value: random(size) }, ['name'], []);
  return (await find())!.value;
}
