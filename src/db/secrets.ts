// Secrets every instance must share (e.g. the key that pseudonymises IP addresses),
// kept in the database so a scaled-out deployment needs no extra configuration.

import { isUniqueViolation, type Db } from './index.js';

/** The secret called `name`, created with `size` random bytes by whichever instance asks first. */
export async function serverSecret(db: Db, name: string, size: number, random: (n: number) => Buffer): Promise<Buffer> {
  const find = () => db.kysely.selectFrom('serverSecrets').select('value').where('name', '=', name).executeTakeFirst();
  const existing = await find();
  if (existing) return existing.value;
  try {
    await db.kysely.insertInto('serverSecrets').values({ name, value: random(size) }).execute();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err; // another instance won the race; use its secret
  }
  return (await find())!.value;
}
