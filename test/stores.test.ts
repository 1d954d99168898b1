// One store conformance suite, run on whichever database DATABASE_URL names
// (in-memory SQLite by default; CI runs it on MariaDB and PostgreSQL too).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDb, isUniqueViolation, type Db } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { AccountStore, type AccountRow, type EmailRow } from '../src/features/account/store.js';
import { EmailStore } from '../src/features/emails/store.js';
import { SessionStore, type KeyFetchRow, type SessionRow } from '../src/features/session/store.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

let database: TestDatabase;
let db: Db;
let accounts: AccountStore;
let sessions: SessionStore;
let counter = 0;

before(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  await migrateToLatest(db);
  accounts = new AccountStore(db.kysely, new EmailStore(db.kysely));
  sessions = new SessionStore(db.kysely, db.read);
});
after(async () => {
  await db.close();
  await database.drop();
});

const bytes = (size: number, fill: number) => Buffer.alloc(size, fill);

function newAccount(email: string): { account: AccountRow; primary: EmailRow } {
  const n = ++counter;
  const uid = bytes(16, n);
  const normalizedEmail = email.toLowerCase();
  return {
    account: {
      uid,
      email,
      normalizedEmail,
      emailCode: bytes(16, 100 + n),
      emailVerified: 0,
      verifierVersion: 1,
      kA: bytes(32, 1),
      wrapWrapKb: bytes(32, 2),
      wrapWrapKbVersion2: null,
      authSalt: bytes(32, 3),
      verifyHash: bytes(32, 4),
      verifyHashVersion2: null,
      clientSalt: null,
      verifierSetAt: 1_700_000_000_000,
      createdAt: 1_700_000_000_000,
      locale: 'fr-FR,fr;q=0.8',
      lockedAt: null,
      profileChangedAt: null,
      keysChangedAt: null,
      metricsOptOutAt: null,
      disabledAt: null,
    },
    primary: {
      normalizedEmail,
      email,
      uid,
      emailCode: bytes(16, 100 + n),
      isVerified: 0,
      isPrimary: 1,
      verifiedAt: null,
      createdAt: 1_700_000_000_000,
    },
  };
}

function newSession(uid: Buffer, fill: number, verificationId: Buffer | null): SessionRow {
  return {
    tokenId: bytes(32, fill),
    tokenData: bytes(32, fill + 1),
    uid,
    createdAt: 1_700_000_000_000,
    lastAccessTime: 1_700_000_000_000,
    authAt: 1_700_000_000_000,
    uaBrowser: 'Firefox',
    uaBrowserVersion: '128.0',
    uaOS: 'Linux',
    uaOSVersion: null,
    uaDeviceType: null,
    uaFormFactor: null,
    tokenVerificationId: verificationId,
    mustVerify: 1,
    verificationMethod: null,
    verifiedAt: null,
  };
}

function newKeyFetch(uid: Buffer, fill: number, verificationId: Buffer | null): KeyFetchRow {
  return {
    tokenId: bytes(32, fill),
    authKey: bytes(32, fill + 1),
    uid,
    keyBundle: bytes(96, fill + 2),
    createdAt: 1_700_000_000_000,
    tokenVerificationId: verificationId,
  };
}

describe('AccountStore', () => {
  test('round-trips every column, with Unicode and case kept', async () => {
    const record = newAccount('André.Ünïcode@Example.org');
    await accounts.insert(record.account, record.primary);
    const found = await accounts.findByEmail('andré.ünïcode@example.org');
    assert.ok(found);
    assert.deepEqual(found.account, record.account);
    assert.deepEqual(found.primary, record.primary);
    assert.deepEqual(found.matched, record.primary);
    assert.equal(await accounts.findByEmail('André.Ünïcode@Example.org'), undefined, 'lookups use the normalized address');
    assert.equal(await accounts.exists(record.account.uid), true);
  });

  test('a second account with the same address is a unique violation in every dialect', async () => {
    const first = newAccount('twice@example.org');
    await accounts.insert(first.account, first.primary);
    const second = newAccount('Twice@example.org');
    const error = await db.kysely
      .transaction()
      .execute((trx) => accounts.insert(second.account, second.primary, trx))
      .then(() => undefined, (err: unknown) => err);
    assert.ok(error, 'the insert failed');
    assert.equal(isUniqueViolation(error), true);
    assert.equal(await accounts.exists(second.account.uid), false, 'the transaction left nothing behind');
  });

  test('markVerified flips the account and its primary address once', async () => {
    const record = newAccount('verify@example.org');
    await accounts.insert(record.account, record.primary);
    assert.equal(await accounts.markVerified(record.account.uid, 1_700_000_001_000), true);
    assert.equal(await accounts.markVerified(record.account.uid, 1_700_000_002_000), false);
    const found = await accounts.findByUid(record.account.uid);
    assert.equal(found?.account.emailVerified, 1);
    assert.equal(found?.primary.isVerified, 1);
    assert.equal(found?.primary.verifiedAt, 1_700_000_001_000);
  });

  test('deleting an account removes its addresses and tokens', async () => {
    const record = newAccount('gone@example.org');
    await accounts.insert(record.account, record.primary);
    await sessions.insertSession(newSession(record.account.uid, 200, null));
    await sessions.insertKeyFetch(newKeyFetch(record.account.uid, 210, null));
    await accounts.delete(record.account.uid);
    assert.equal(await accounts.emails.find('gone@example.org'), undefined);
    assert.equal(await sessions.findSessionRow(bytes(32, 200)), undefined);
    assert.equal(await sessions.findKeyFetch(bytes(32, 210)), undefined);
  });
});

describe('SessionStore', () => {
  test('finds a session with its account facts; confirming by code unlocks its key-fetch token', async () => {
    const record = newAccount('session@example.org');
    await accounts.insert(record.account, record.primary);
    const uid = record.account.uid;
    const pending = bytes(16, 77);
    await sessions.insertSession(newSession(uid, 220, pending));
    await sessions.insertSession(newSession(uid, 230, bytes(16, 78)));
    await sessions.insertKeyFetch(newKeyFetch(uid, 240, pending));

    const found = await sessions.findSession(bytes(32, 220));
    assert.equal(found?.email, 'session@example.org');
    assert.equal(found?.emailVerified, 0);
    assert.equal(found?.locale, 'fr-FR,fr;q=0.8');
    assert.equal(found?.accountCreatedAt, 1_700_000_000_000);
    assert.deepEqual(found?.tokenVerificationId, pending);

    const confirmed = await sessions.verifyByVerificationId(uid, pending, { verificationMethod: 1, verifiedAt: 1_700_000_005_000 });
    assert.equal(confirmed, 2, 'the session and its key-fetch token');
    const session = await sessions.findSessionRow(bytes(32, 220));
    assert.equal(session?.tokenVerificationId, null);
    assert.equal(session?.verificationMethod, 1);
    assert.equal(session?.verifiedAt, 1_700_000_005_000);
    assert.equal((await sessions.findKeyFetch(bytes(32, 240)))?.tokenVerificationId, null);
    assert.deepEqual((await sessions.findSessionRow(bytes(32, 230)))?.tokenVerificationId, bytes(16, 78), 'others untouched');
  });

  test('a code only confirms tokens of its own account', async () => {
    const a = newAccount('owner-a@example.org');
    const b = newAccount('owner-b@example.org');
    await accounts.insert(a.account, a.primary);
    await accounts.insert(b.account, b.primary);
    const code = bytes(16, 90);
    await sessions.insertSession(newSession(b.account.uid, 250, code));
    assert.equal(await sessions.verifyByVerificationId(a.account.uid, code, { verificationMethod: null, verifiedAt: 1 }), 0);
    assert.deepEqual((await sessions.findSessionRow(bytes(32, 250)))?.tokenVerificationId, code);
  });

  test('update and delete', async () => {
    const record = newAccount('update@example.org');
    await accounts.insert(record.account, record.primary);
    await sessions.insertSession(newSession(record.account.uid, 3, null));
    await sessions.updateSession(bytes(32, 3), { authAt: 1_800_000_000_000, uaBrowser: null, mustVerify: 0 });
    const row = await sessions.findSessionRow(bytes(32, 3));
    assert.equal(row?.authAt, 1_800_000_000_000);
    assert.equal(row?.uaBrowser, null);
    assert.equal(row?.mustVerify, 0);
    assert.equal(await sessions.deleteSession(bytes(32, 3)), 1);
    assert.equal(await sessions.deleteSession(bytes(32, 3)), 0);
  });
});
