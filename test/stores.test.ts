// One store contract suite, run on whichever database DATABASE_URL names (in-memory
// SQLite by default; CI runs it on MariaDB and PostgreSQL too). Every store, the upsert
// helper, server secrets and the unit of work (Db.transaction/current) keep these
// promises on all three dialects, including when two connections race.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createDb, isUniqueViolation, upsert, type Db } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { KeyFetchRow, ReminderRow, SecurityEventRow, SessionRow } from '../src/db/schema.js';
import { serverSecret } from '../src/db/secrets.js';
import type { Account, AccountRecord, EmailAddress } from '../src/features/account/model.js';
import { AccountStore } from '../src/features/account/store.js';
import { DeviceStore } from '../src/features/devices/store.js';
import { EmailStore } from '../src/features/emails/store.js';
import { ReminderStore } from '../src/features/reminders/store.js';
import { SecurityEventStore } from '../src/features/security-events/store.js';
import type { SessionToken } from '../src/features/session/model.js';
import { SessionStore } from '../src/features/session/store.js';
import { normalizeEmail } from '../src/protocol/email.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

// ---------------------------------------------------------------------------------------
// Fixtures

/** A time well past 2^32 ms, so every time column must keep 64-bit values. */
const T = 1_700_000_000_000;
/** A failure here is a hang (a store waiting on a connection its own transaction holds). */
const NO_HANG = { timeout: 20_000 };

interface Stores {
  db: Db;
  emails: EmailStore;
  accounts: AccountStore;
  sessions: SessionStore;
  events: SecurityEventStore;
  reminders: ReminderStore;
}

function storesOn(db: Db): Stores {
  const emails = new EmailStore(db);
  return {
    db,
    emails,
    accounts: new AccountStore(db, emails),
    sessions: new SessionStore(db),
    events: new SecurityEventStore(db),
    reminders: new ReminderStore(db),
  };
}

async function openStores(url: string): Promise<Stores> {
  const db = createDb(url, { sqliteLocking: 'normal' });
  await migrateToLatest(db);
  return storesOn(db);
}

let counter = 0;
/** A fresh address with its case kept, e.g. `Name-7@Example.org`. */
const uniqueEmail = (name: string) => `${name}-${++counter}@Example.org`;
const id = (size: number) => randomBytes(size);

/** An unverified account with every optional column empty. */
function newAccount(email = uniqueEmail('Account'), createdAt = T): AccountRecord {
  const uid = id(16);
  const normalizedEmail = normalizeEmail(email);
  const emailCode = id(16);
  return {
    account: {
      uid,
      email,
      normalizedEmail,
      emailCode,
      emailVerified: false,
      verifierVersion: 1,
      kA: id(32),
      wrapWrapKb: id(32),
      wrapWrapKbVersion2: null,
      authSalt: id(32),
      verifyHash: id(32),
      verifyHashVersion2: null,
      clientSalt: null,
      verifierSetAt: createdAt,
      createdAt,
      locale: null,
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
      emailCode,
      isVerified: false,
      isPrimary: true,
      verifiedAt: null,
      createdAt,
    },
  };
}

/** A verified account with every optional column set, each to a different value. */
function fullAccount(email: string): AccountRecord {
  const record = newAccount(email);
  const account: Account = {
    ...record.account,
    emailVerified: true,
    verifierVersion: 2,
    wrapWrapKbVersion2: id(32),
    verifyHashVersion2: id(32),
    clientSalt: 'identity.mozilla.com/picl/v1/quickStretchV2:0123456789abcdef0123456789abcdef',
    verifierSetAt: T + 1,
    createdAt: T + 2,
    locale: 'fr-FR,fr;q=0.8,en;q=0.5',
    lockedAt: T + 3,
    profileChangedAt: T + 4,
    keysChangedAt: T + 5,
    metricsOptOutAt: T + 6,
    // The largest time a Date can hold: still exact in every dialect.
    disabledAt: 8_640_000_000_000_000,
  };
  return { account, primary: { ...record.primary, isVerified: true, verifiedAt: T + 7, createdAt: T + 2 } };
}

function secondaryAddress(uid: Buffer, email: string, createdAt = T + 100): EmailAddress {
  return {
    normalizedEmail: normalizeEmail(email),
    email,
    uid,
    emailCode: id(16),
    isVerified: false,
    isPrimary: false,
    verifiedAt: null,
    createdAt,
  };
}

function sessionRow(uid: Buffer, changes: Partial<SessionRow> = {}): SessionRow {
  return {
    tokenId: id(32),
    tokenData: id(32),
    uid,
    createdAt: T,
    lastAccessTime: T + 10,
    authAt: T + 20,
    uaBrowser: 'Firefox',
    uaBrowserVersion: '128.0',
    uaOS: 'Linux',
    uaOSVersion: '6.1',
    uaDeviceType: 'desktop',
    uaFormFactor: 'Ünïcode form',
    tokenVerificationId: null,
    mustVerify: 0,
    verificationMethod: null,
    verifiedAt: null,
    ...changes,
  };
}

function keyFetchRow(uid: Buffer, tokenVerificationId: Buffer | null): KeyFetchRow {
  return { tokenId: id(32), authKey: id(32), uid, keyBundle: id(96), createdAt: T, tokenVerificationId };
}

function securityEvent(uid: Buffer, changes: Partial<SecurityEventRow> = {}): SecurityEventRow {
  return { uid, name: 'account.login', verified: 0, ipAddrHmac: id(32), tokenVerificationId: null, createdAt: T, ...changes };
}

/** Stores and a committed account, created in one unit of work as the services do. */
async function createAccount(stores: Stores, record = newAccount()): Promise<AccountRecord> {
  await stores.db.transaction(() => stores.accounts.insert(record));
  return record;
}

/** Rows store readers hand back, as plain objects (drivers may give rows their own prototype). */
const plain = <Row extends object>(rows: Row[]): Row[] => rows.map((row) => ({ ...row }));

async function settle<T>(promises: Array<Promise<T>>): Promise<{ fulfilled: T[]; rejected: unknown[] }> {
  const results = await Promise.allSettled(promises);
  return {
    fulfilled: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    rejected: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

/**
 * Lets `parties` racers each reach a point before any goes on. On SQLite the pool is one
 * connection, so transactions on it run one after the other and never meet: they pass.
 */
function meeting(db: Db, parties: number): () => Promise<void> {
  const needed = db.dialect === 'sqlite' ? 1 : parties;
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived >= needed) open();
    return opened;
  };
}

const TABLES_WITH_UID = ['accounts', 'emails', 'sessionTokens', 'keyFetchTokens', 'securityEvents', 'reminders'] as const;
type TableWithUid = (typeof TABLES_WITH_UID)[number];

/** How many rows each table holds for `uid`. */
async function rowsOf(db: Db, uid: Buffer): Promise<Record<TableWithUid, number>> {
  const counts = {} as Record<TableWithUid, number>;
  for (const table of TABLES_WITH_UID) {
    counts[table] = (await db.current.selectFrom(table).select('uid').where('uid', '=', uid).execute()).length;
  }
  return counts;
}

const NO_ROWS = { accounts: 0, emails: 0, sessionTokens: 0, keyFetchTokens: 0, securityEvents: 0, reminders: 0 };

async function secretRows(db: Db, name: string): Promise<Buffer[]> {
  return (await db.current.selectFrom('serverSecrets').select('value').where('name', '=', name).execute()).map((r) => r.value);
}

// ---------------------------------------------------------------------------------------
// One connection (pool) on a fresh database

let database: TestDatabase;
let stores: Stores;
let db: Db;

before(async () => {
  database = await createTestDatabase();
  stores = await openStores(database.url);
  db = stores.db;
});
after(async () => {
  await db?.close();
  await database?.drop();
});

describe('AccountStore and EmailStore', () => {
  test('round-trip every column as domain types, with Unicode and case kept in email', async () => {
    const records = [fullAccount('Zoë.Ünïcode+Ελλάδα📮@Bücher.Example'), newAccount('MiXeD.Case@Example.ORG')];
    for (const record of records) {
      await createAccount(stores, record);
      const { uid, normalizedEmail, email } = record.account;
      assert.notEqual(normalizedEmail, email, 'the fixture exercises case folding');
      assert.deepEqual(await stores.accounts.findByUid(uid), record);
      assert.deepEqual(await stores.accounts.findByEmail(normalizedEmail), { ...record, matched: record.primary });
      assert.deepEqual(await stores.emails.find(normalizedEmail), record.primary);
      assert.deepEqual(await stores.emails.list(uid), [record.primary]);
      assert.equal(await stores.accounts.exists(uid), true);
      assert.equal(await stores.accounts.findByEmail(email), undefined, 'lookups take the normalized address');
      assert.equal(await stores.emails.find(email), undefined);
    }
    const found = await stores.accounts.findByUid(records[0]!.account.uid);
    assert.equal(found?.account.emailVerified, true, 'a boolean, not a 0/1 flag');
    assert.equal(found?.primary.isPrimary, true);
    assert.equal(typeof found?.account.disabledAt, 'number');
  });

  test('unknown uids and addresses find nothing', async () => {
    assert.equal(await stores.accounts.findByUid(id(16)), undefined);
    assert.equal(await stores.accounts.exists(id(16)), false);
    assert.equal(await stores.accounts.findByEmail('nobody@example.org'), undefined);
    assert.equal(await stores.emails.find('nobody@example.org'), undefined);
    assert.deepEqual(await stores.emails.list(id(16)), []);
  });

  test('finds the account by a secondary address; lists the primary first, then by age', async () => {
    const record = await createAccount(stores);
    const uid = record.account.uid;
    const later = secondaryAddress(uid, uniqueEmail('Later-Ünïcode'), T + 200);
    const earlier = secondaryAddress(uid, uniqueEmail('Earlier'), T + 100);
    await stores.emails.insert(later);
    await stores.emails.insert(earlier);

    assert.deepEqual(await stores.emails.list(uid), [record.primary, earlier, later]);
    assert.deepEqual(await stores.emails.find(later.normalizedEmail), later);
    assert.deepEqual(await stores.accounts.findByEmail(later.normalizedEmail), { ...record, matched: later });
    assert.equal(await stores.accounts.findByEmail(later.email), undefined);
  });

  test('an address belongs to one account: a second holder is a unique violation', async () => {
    const first = await createAccount(stores, newAccount(uniqueEmail('Twice')));
    const sameAddress = newAccount(first.account.email.toUpperCase());
    assert.equal(sameAddress.account.normalizedEmail, first.account.normalizedEmail);

    const signup = await rejection(db.transaction(() => stores.accounts.insert(sameAddress)));
    assert.equal(isUniqueViolation(signup), true, String(signup));
    assert.equal(await stores.accounts.exists(sameAddress.account.uid), false);

    const other = await createAccount(stores);
    const asSecondary = await rejection(stores.emails.insert(secondaryAddress(other.account.uid, first.account.email.toUpperCase())));
    assert.equal(isUniqueViolation(asSecondary), true, String(asSecondary));

    // A sign-up taking another account's secondary address fails on its second row, and
    // the unit of work takes the first row (the account) back with it.
    const secondary = secondaryAddress(other.account.uid, uniqueEmail('Secondary'));
    await stores.emails.insert(secondary);
    const taker = newAccount(secondary.email);
    const taking = await rejection(db.transaction(() => stores.accounts.insert(taker)));
    assert.equal(isUniqueViolation(taking), true, String(taking));
    assert.equal(await stores.accounts.exists(taker.account.uid), false);
    assert.deepEqual(await stores.emails.find(secondary.normalizedEmail), secondary);
  });

  test('markVerified verifies the account and its primary address once', async () => {
    const record = await createAccount(stores);
    const uid = record.account.uid;
    const secondary = secondaryAddress(uid, uniqueEmail('Unverified'));
    await stores.emails.insert(secondary);

    assert.equal(await stores.accounts.markVerified(uid, T + 1000), true);
    assert.equal(await stores.accounts.markVerified(uid, T + 2000), false, 'already verified');
    assert.equal(await stores.accounts.markVerified(id(16), T + 2000), false, 'no such account');

    const found = await stores.accounts.findByUid(uid);
    assert.deepEqual(found, {
      account: { ...record.account, emailVerified: true },
      primary: { ...record.primary, isVerified: true, verifiedAt: T + 1000 },
    });
    assert.deepEqual(await stores.emails.find(secondary.normalizedEmail), secondary, 'secondaries untouched');
  });

  test('deleteIfUnverified deletes an unverified account only, and says so', async () => {
    const verified = await createAccount(stores);
    await stores.accounts.markVerified(verified.account.uid, T);
    assert.equal(await stores.accounts.deleteIfUnverified(verified.account.uid), false);
    assert.equal(await stores.accounts.exists(verified.account.uid), true);

    const unverified = await createAccount(stores);
    assert.equal(await stores.accounts.deleteIfUnverified(unverified.account.uid), true);
    assert.equal(await stores.accounts.exists(unverified.account.uid), false);
    assert.equal(await stores.emails.find(unverified.primary.normalizedEmail), undefined);
    assert.equal(await stores.accounts.deleteIfUnverified(unverified.account.uid), false, 'nothing left to delete');
  });

  test('emails.markVerified verifies a waiting address once, for its owner only', async () => {
    const record = await createAccount(stores);
    const stranger = await createAccount(stores);
    const secondary = secondaryAddress(record.account.uid, uniqueEmail('Secondary'));
    await stores.emails.insert(secondary);

    assert.equal(await stores.emails.markVerified(stranger.account.uid, secondary.normalizedEmail, T), false);
    assert.equal(await stores.emails.markVerified(record.account.uid, secondary.normalizedEmail, T + 5), true);
    assert.equal(await stores.emails.markVerified(record.account.uid, secondary.normalizedEmail, T + 6), false);
    assert.equal(await stores.emails.markVerified(record.account.uid, 'nobody@example.org', T), false);
    assert.deepEqual(await stores.emails.find(secondary.normalizedEmail), { ...secondary, isVerified: true, verifiedAt: T + 5 });
  });

  test("emails.delete removes its owner's address and says whether it did", async () => {
    const record = await createAccount(stores);
    const stranger = await createAccount(stores);
    const secondary = secondaryAddress(record.account.uid, uniqueEmail('Gone'));
    await stores.emails.insert(secondary);

    assert.equal(await stores.emails.delete(stranger.account.uid, secondary.normalizedEmail), false);
    assert.deepEqual(await stores.emails.find(secondary.normalizedEmail), secondary);
    assert.equal(await stores.emails.delete(record.account.uid, secondary.normalizedEmail), true);
    assert.equal(await stores.emails.delete(record.account.uid, secondary.normalizedEmail), false);
    assert.deepEqual(await stores.emails.list(record.account.uid), [record.primary]);
  });

  test('setPrimary makes another address the only primary', async () => {
    const record = await createAccount(stores);
    const uid = record.account.uid;
    const secondary = { ...secondaryAddress(uid, uniqueEmail('Next-Primary')), isVerified: true, verifiedAt: T + 1 };
    await stores.emails.insert(secondary);

    await db.transaction(() => stores.emails.setPrimary(uid, secondary.normalizedEmail));
    const nowPrimary = { ...secondary, isPrimary: true };
    const demoted = { ...record.primary, isPrimary: false };
    assert.deepEqual(await stores.accounts.findByUid(uid), { account: record.account, primary: nowPrimary });
    assert.deepEqual(await stores.emails.list(uid), [nowPrimary, demoted]);
    assert.deepEqual(await stores.accounts.findByEmail(record.primary.normalizedEmail), {
      account: record.account,
      primary: nowPrimary,
      matched: demoted,
    });
  });

  test('deleting an account takes its addresses, sessions, key-fetch tokens, events and reminders', async () => {
    const populate = async () => {
      const record = await createAccount(stores);
      const uid = record.account.uid;
      const session = sessionRow(uid);
      const keyFetch = keyFetchRow(uid, null);
      const ipAddrHmac = id(32);
      await stores.emails.insert(secondaryAddress(uid, uniqueEmail('Cascade')));
      await stores.sessions.insertSession(session);
      await stores.sessions.insertKeyFetch(keyFetch);
      await stores.events.insert(securityEvent(uid, { verified: 1, ipAddrHmac }));
      await stores.reminders.schedule(uid, 'verificationFirst', T);
      await stores.reminders.schedule(uid, 'cadFirst', T);
      return { record, uid, session, keyFetch, ipAddrHmac };
    };
    const doomed = await populate();
    const kept = await populate();
    const everything = { accounts: 1, emails: 2, sessionTokens: 1, keyFetchTokens: 1, securityEvents: 1, reminders: 2 };
    assert.deepEqual(await rowsOf(db, doomed.uid), everything);

    await stores.accounts.delete(doomed.uid);

    assert.deepEqual(await rowsOf(db, doomed.uid), NO_ROWS);
    assert.equal(await stores.accounts.findByEmail(doomed.record.primary.normalizedEmail), undefined);
    assert.equal(await stores.sessions.findSession(doomed.session.tokenId), undefined);
    assert.equal(await stores.sessions.findKeyFetch(doomed.keyFetch.tokenId), undefined);
    assert.equal(await stores.events.latestVerified(doomed.uid, ['account.login'], doomed.ipAddrHmac), undefined);
    assert.deepEqual(await stores.reminders.list(doomed.uid), []);
    assert.deepEqual(await rowsOf(db, kept.uid), everything, "another account's rows stay");
    await stores.accounts.delete(doomed.uid); // deleting nothing is no error
  });
});

describe('SessionStore', () => {
  test('round-trips a session with its account facts as domain types', async () => {
    const record = await createAccount(stores, fullAccount(uniqueEmail('Sëssion')));
    const uid = record.account.uid;
    const pending = sessionRow(uid, { tokenVerificationId: id(16), mustVerify: 1, uaOSVersion: null });
    const confirmed = sessionRow(uid, { verificationMethod: 2, verifiedAt: T + 30, uaBrowser: null });
    await stores.sessions.insertSession(pending);
    await stores.sessions.insertSession(confirmed);

    const expected = (row: SessionRow): SessionToken => ({
      id: row.tokenId,
      uid,
      createdAt: row.createdAt,
      authAt: row.authAt,
      lastAccessTime: row.lastAccessTime,
      tokenVerificationId: row.tokenVerificationId,
      verified: row.tokenVerificationId === null,
      mustVerify: row.mustVerify === 1,
      verificationMethod: row.verificationMethod,
      verifiedAt: row.verifiedAt,
      userAgent: {
        uaBrowser: row.uaBrowser,
        uaBrowserVersion: row.uaBrowserVersion,
        uaOS: row.uaOS,
        uaOSVersion: row.uaOSVersion,
        uaDeviceType: row.uaDeviceType,
        uaFormFactor: row.uaFormFactor,
      },
      email: record.primary.email,
      emailVerified: true,
      accountCreatedAt: record.account.createdAt,
      verifierSetAt: record.account.verifierSetAt,
      locale: record.account.locale,
      metricsOptOutAt: record.account.metricsOptOutAt,
      deviceId: null,
    });
    assert.deepEqual(await stores.sessions.findSession(pending.tokenId), {
      tokenData: pending.tokenData,
      session: expected(pending),
    });
    assert.deepEqual(await stores.sessions.findSession(confirmed.tokenId), {
      tokenData: confirmed.tokenData,
      session: expected(confirmed),
    });
    const found = await stores.sessions.findSession(pending.tokenId);
    assert.equal(found?.session.verified, false);
    assert.equal(found?.session.mustVerify, true);
    assert.equal(await stores.sessions.findSession(id(32)), undefined);
    assert.deepEqual(await stores.sessions.findSessionOwner(pending.tokenId), uid);
    assert.equal(await stores.sessions.findSessionOwner(id(32)), undefined);
  });

  test("a session shows its account's current primary address and verification", async () => {
    const record = await createAccount(stores);
    const uid = record.account.uid;
    const session = sessionRow(uid);
    await stores.sessions.insertSession(session);
    assert.equal((await stores.sessions.findSession(session.tokenId))?.session.email, record.primary.email);
    assert.equal((await stores.sessions.findSession(session.tokenId))?.session.emailVerified, false);

    const secondary = { ...secondaryAddress(uid, uniqueEmail('NeW-Primary')), isVerified: true, verifiedAt: T };
    await stores.emails.insert(secondary);
    await db.transaction(async () => {
      await stores.accounts.markVerified(uid, T);
      await stores.emails.setPrimary(uid, secondary.normalizedEmail);
    });
    const found = await stores.sessions.findSession(session.tokenId);
    assert.equal(found?.session.email, secondary.email);
    assert.equal(found?.session.emailVerified, true);
  });

  test('a key-fetch token is found with its account facts and spent once', async () => {
    const record = await createAccount(stores);
    const uid = record.account.uid;
    const waiting = keyFetchRow(uid, id(16));
    const ready = keyFetchRow(uid, null);
    await stores.sessions.insertKeyFetch(waiting);
    await stores.sessions.insertKeyFetch(ready);

    assert.deepEqual(await stores.sessions.findKeyFetch(waiting.tokenId), {
      authKey: waiting.authKey,
      token: { id: waiting.tokenId, uid, keyBundle: waiting.keyBundle, emailVerified: false, tokenVerified: false },
    });
    await stores.accounts.markVerified(uid, T);
    assert.deepEqual(await stores.sessions.findKeyFetch(ready.tokenId), {
      authKey: ready.authKey,
      token: { id: ready.tokenId, uid, keyBundle: ready.keyBundle, emailVerified: true, tokenVerified: true },
    });

    assert.equal(await stores.sessions.deleteKeyFetch(ready.tokenId), true);
    assert.equal(await stores.sessions.deleteKeyFetch(ready.tokenId), false, 'a second fetch finds nothing');
    assert.equal(await stores.sessions.findKeyFetch(ready.tokenId), undefined);
    assert.equal(await stores.sessions.findKeyFetch(id(32)), undefined);
    assert.ok(await stores.sessions.findKeyFetch(waiting.tokenId), 'the other token stays');
  });

  test('verifyByVerificationId confirms the sessions and key-fetch tokens of that code and account only', async () => {
    const record = await createAccount(stores);
    const stranger = await createAccount(stores);
    const uid = record.account.uid;
    const code = id(16);
    const session = sessionRow(uid, { tokenVerificationId: code, mustVerify: 1 });
    const otherCode = sessionRow(uid, { tokenVerificationId: id(16), mustVerify: 1 });
    const strangers = sessionRow(stranger.account.uid, { tokenVerificationId: code, mustVerify: 1 });
    const keyFetch = keyFetchRow(uid, code);
    for (const row of [session, otherCode, strangers]) await stores.sessions.insertSession(row);
    await stores.sessions.insertKeyFetch(keyFetch);

    const mark = { verificationMethod: 2, verifiedAt: T + 500 };
    assert.equal(await db.transaction(() => stores.sessions.verifyByVerificationId(uid, code, mark)), 2);
    assert.equal(await stores.sessions.verifyByVerificationId(uid, code, mark), 0, 'nothing waits on it any more');

    const confirmed = (await stores.sessions.findSession(session.tokenId))?.session;
    assert.equal(confirmed?.verified, true);
    assert.equal(confirmed?.tokenVerificationId, null);
    assert.equal(confirmed?.mustVerify, false);
    assert.equal(confirmed?.verificationMethod, 2);
    assert.equal(confirmed?.verifiedAt, T + 500);
    assert.equal((await stores.sessions.findKeyFetch(keyFetch.tokenId))?.token.tokenVerified, true);
    const untouched = (await stores.sessions.findSession(otherCode.tokenId))?.session;
    assert.deepEqual(untouched?.tokenVerificationId, otherCode.tokenVerificationId);
    assert.deepEqual((await stores.sessions.findSession(strangers.tokenId))?.session.tokenVerificationId, code);
  });

  test('updateSession changes the named columns only; deleteSession counts what it deleted', async () => {
    const record = await createAccount(stores);
    const row = sessionRow(record.account.uid, { tokenVerificationId: id(16), mustVerify: 1 });
    await stores.sessions.insertSession(row);
    await stores.sessions.updateSession(row.tokenId, {
      authAt: T + 9000,
      lastAccessTime: T + 9001,
      uaBrowser: null,
      uaOS: 'Ubuntu Ünïcode',
      mustVerify: 0,
    });
    const session = (await stores.sessions.findSession(row.tokenId))?.session;
    assert.equal(session?.authAt, T + 9000);
    assert.equal(session?.lastAccessTime, T + 9001);
    assert.equal(session?.mustVerify, false);
    assert.deepEqual(session?.userAgent, {
      uaBrowser: null,
      uaBrowserVersion: row.uaBrowserVersion,
      uaOS: 'Ubuntu Ünïcode',
      uaOSVersion: row.uaOSVersion,
      uaDeviceType: row.uaDeviceType,
      uaFormFactor: row.uaFormFactor,
    });
    assert.deepEqual(session?.tokenVerificationId, row.tokenVerificationId);
    assert.equal(session?.createdAt, row.createdAt);

    assert.equal(await stores.sessions.deleteSession(row.tokenId), 1);
    assert.equal(await stores.sessions.deleteSession(row.tokenId), 0);
    assert.equal(await stores.sessions.findSession(row.tokenId), undefined);
  });

  test("listForAccount: the account's most recently used sessions, oldest first, with their device; deleteSessionOf deletes the owner's only", async () => {
    const record = await createAccount(stores);
    const uid = record.account.uid;
    const stranger = await createAccount(stores);
    const newer = sessionRow(uid, { createdAt: T + 2000, lastAccessTime: T + 5000 });
    const older = sessionRow(uid, { createdAt: T + 1000, lastAccessTime: T + 1000, uaBrowser: null });
    const theirs = sessionRow(stranger.account.uid);
    for (const row of [newer, older, theirs]) await stores.sessions.insertSession(row);
    const deviceId = id(16);
    await new DeviceStore(db).insert({ uid, id: deviceId, sessionTokenId: newer.tokenId, refreshTokenId: null, createdAt: T });

    const listed = await stores.sessions.listForAccount(uid, 10);
    assert.deepEqual(
      listed.map((session) => [session.id, session.createdAt, session.lastAccessTime, session.deviceId]),
      [
        [older.tokenId, T + 1000, T + 1000, null],
        [newer.tokenId, T + 2000, T + 5000, deviceId],
      ],
    );
    assert.deepEqual(listed[0]!.userAgent, {
      uaBrowser: null,
      uaBrowserVersion: older.uaBrowserVersion,
      uaOS: older.uaOS,
      uaOSVersion: older.uaOSVersion,
      uaDeviceType: older.uaDeviceType,
      uaFormFactor: older.uaFormFactor,
    });

    assert.equal(await stores.sessions.deleteSessionOf(uid, theirs.tokenId), false);
    assert.ok(await stores.sessions.findSession(theirs.tokenId));
    assert.equal(await stores.sessions.deleteSessionOf(uid, newer.tokenId), true);
    assert.equal(await stores.sessions.deleteSessionOf(uid, newer.tokenId), false);
    // Its device went with it.
    assert.equal(await new DeviceStore(db).find(uid, deviceId), undefined);
    // The limit keeps the most recently used.
    const recent = sessionRow(uid, { createdAt: T, lastAccessTime: T + 9000 });
    await stores.sessions.insertSession(recent);
    assert.deepEqual(
      (await stores.sessions.listForAccount(uid, 1)).map((session) => session.id),
      [recent.tokenId],
    );
    assert.deepEqual(
      (await stores.sessions.listForAccount(uid, 10)).map((session) => session.id),
      [recent.tokenId, older.tokenId],
    );
  });
});

describe('SecurityEventStore', () => {
  test('stores every column of an event', async () => {
    const { account } = await createAccount(stores);
    const event = securityEvent(account.uid, { name: 'account.secondary_email_added', verified: 1, tokenVerificationId: id(16) });
    await stores.events.insert(event);
    const rows = await db.kysely.selectFrom('securityEvents').selectAll().where('uid', '=', account.uid).execute();
    assert.deepEqual(plain(rows), [event]);
  });

  test("latestVerified: the newest verified event of those names from that IP; markVerified: one session's events", async () => {
    const { account } = await createAccount(stores);
    const { account: stranger } = await createAccount(stores);
    const uid = account.uid;
    const ip = id(32);
    const code = id(16);
    const presence = ['account.create', 'account.login'] as const;
    const events = [
      securityEvent(uid, { name: 'account.create', verified: 1, ipAddrHmac: ip, createdAt: T + 5 }),
      securityEvent(uid, { name: 'account.login', verified: 1, ipAddrHmac: ip, createdAt: T + 1 }),
      // Newer, but: from another IP, of another name, of another account, or unverified.
      securityEvent(uid, { name: 'account.login', verified: 1, ipAddrHmac: id(32), createdAt: T + 100 }),
      securityEvent(uid, { name: 'account.secondary_email_added', verified: 1, ipAddrHmac: ip, createdAt: T + 200 }),
      securityEvent(stranger.uid, { name: 'account.login', verified: 1, ipAddrHmac: ip, createdAt: T + 300 }),
      securityEvent(uid, { ipAddrHmac: ip, tokenVerificationId: code, createdAt: T + 10 }),
      securityEvent(uid, { ipAddrHmac: ip, tokenVerificationId: id(16), createdAt: T + 50 }),
      securityEvent(stranger.uid, { ipAddrHmac: ip, tokenVerificationId: code, createdAt: T + 400 }),
    ];
    for (const event of events) await stores.events.insert(event);

    assert.equal(await stores.events.latestVerified(uid, presence, ip), T + 5);
    assert.equal(await stores.events.latestVerified(uid, ['account.login'], ip), T + 1);
    assert.equal(await stores.events.latestVerified(uid, ['account.login'], id(32)), undefined);
    assert.equal(await stores.events.latestVerified(id(16), presence, ip), undefined);

    await stores.events.markVerified(uid, code);
    const latest = await stores.events.latestVerified(uid, presence, ip);
    assert.equal(latest, T + 10, 'the event of that session only, not the one of another code');
    assert.equal(typeof latest, 'number');
    const strangers = await stores.events.latestVerified(stranger.uid, presence, ip);
    assert.equal(strangers, T + 300, "another account's event with the same code stays unverified");
  });
});

describe('ReminderStore', () => {
  test('schedule keeps one reminder per kind; rescheduling replaces it and releases its claim', async () => {
    const { account } = await createAccount(stores);
    const uid = account.uid;
    await stores.reminders.schedule(uid, 'verificationSecond', T + 500, { flowId: 'f'.repeat(64), flowBeginTime: T - 1 });
    await stores.reminders.schedule(uid, 'verificationFirst', T + 100);
    assert.deepEqual(plain(await stores.reminders.list(uid)), [
      { uid, kind: 'verificationFirst', dueAt: T + 100, claimedUntil: null, flowId: null, flowBeginTime: null },
      { uid, kind: 'verificationSecond', dueAt: T + 500, claimedUntil: null, flowId: 'f'.repeat(64), flowBeginTime: T - 1 },
    ]);

    const [first] = await stores.reminders.list(uid);
    assert.equal(await stores.reminders.claim(first!, T + 100, 60_000), true);
    await stores.reminders.schedule(uid, 'verificationFirst', T + 900, { flowId: 'again', flowBeginTime: T });
    assert.deepEqual(plain(await stores.reminders.list(uid)), [
      { uid, kind: 'verificationSecond', dueAt: T + 500, claimedUntil: null, flowId: 'f'.repeat(64), flowBeginTime: T - 1 },
      { uid, kind: 'verificationFirst', dueAt: T + 900, claimedUntil: null, flowId: 'again', flowBeginTime: T },
    ]);
  });

  test('cancel removes the named kinds of that account only', async () => {
    const { account } = await createAccount(stores);
    const { account: stranger } = await createAccount(stores);
    for (const kind of ['verificationFirst', 'verificationSecond', 'cadFirst']) {
      await stores.reminders.schedule(account.uid, kind, T);
      await stores.reminders.schedule(stranger.uid, kind, T);
    }
    await stores.reminders.cancel(account.uid, ['verificationFirst', 'verificationSecond', 'verificationFinal']);
    assert.deepEqual(
      (await stores.reminders.list(account.uid)).map((r) => r.kind),
      ['cadFirst'],
    );
    assert.equal((await stores.reminders.list(stranger.uid)).length, 3);
  });

  test('due lists unclaimed reminders due by now, earliest first, up to the limit', async () => {
    // Times far below every other test's, so only these reminders can be due.
    const now = 1_000_000;
    const { account: a } = await createAccount(stores);
    const { account: b } = await createAccount(stores);
    try {
      await stores.reminders.schedule(a.uid, 'verificationSecond', now - 1);
      await stores.reminders.schedule(b.uid, 'verificationFirst', now - 2);
      await stores.reminders.schedule(a.uid, 'verificationFirst', now - 3);
      await stores.reminders.schedule(a.uid, 'cadFirst', now);
      await stores.reminders.schedule(b.uid, 'cadFirst', now + 1);
      const keys = (rows: ReminderRow[]) => rows.map((r) => `${r.uid.equals(a.uid) ? 'a' : 'b'}:${r.kind}`);

      const due = await stores.reminders.due(now, 10);
      assert.deepEqual(keys(due), ['a:verificationFirst', 'b:verificationFirst', 'a:verificationSecond', 'a:cadFirst']);
      assert.deepEqual(keys(await stores.reminders.due(now, 2)), ['a:verificationFirst', 'b:verificationFirst']);

      assert.equal(await stores.reminders.claim(due[0]!, now, 100), true);
      assert.deepEqual(keys(await stores.reminders.due(now + 99, 10)), [
        'b:verificationFirst',
        'a:verificationSecond',
        'a:cadFirst',
        'b:cadFirst',
      ]);
      assert.deepEqual(keys(await stores.reminders.due(now + 100, 1)), ['a:verificationFirst'], 'the lease ran out');
    } finally {
      await stores.accounts.delete(a.uid);
      await stores.accounts.delete(b.uid);
    }
  });

  test('claim wins once per lease, and not with a row that was rescheduled', async () => {
    const { account } = await createAccount(stores);
    await stores.reminders.schedule(account.uid, 'cadFirst', T);
    const [row] = await stores.reminders.list(account.uid);
    assert.equal(await stores.reminders.claim(row!, T, 1000), true);
    assert.equal(await stores.reminders.claim(row!, T + 999, 1000), false, 'another instance holds it');
    assert.equal(await stores.reminders.claim(row!, T + 1000, 1000), true, 'the lease ran out');
    assert.equal((await stores.reminders.list(account.uid))[0]?.claimedUntil, T + 2000);

    await stores.reminders.schedule(account.uid, 'cadFirst', T + 50);
    assert.equal(await stores.reminders.claim(row!, T + 5000, 1000), false, 'it changed meanwhile');
    const [rescheduled] = await stores.reminders.list(account.uid);
    assert.equal(await stores.reminders.claim(rescheduled!, T + 5000, 1000), true);
  });

  test('complete deletes a sent reminder unless it was rescheduled meanwhile', async () => {
    const { account } = await createAccount(stores);
    await stores.reminders.schedule(account.uid, 'cadFirst', T);
    await stores.reminders.schedule(account.uid, 'cadSecond', T);
    const [first, second] = await stores.reminders.list(account.uid);
    const cadFirst = first!.kind === 'cadFirst' ? first! : second!;
    const cadSecond = first!.kind === 'cadFirst' ? second! : first!;

    await stores.reminders.schedule(account.uid, 'cadFirst', T + 1);
    await stores.reminders.complete(cadFirst);
    await stores.reminders.complete(cadSecond);
    assert.deepEqual(plain(await stores.reminders.list(account.uid)), [
      { uid: account.uid, kind: 'cadFirst', dueAt: T + 1, claimedUntil: null, flowId: null, flowBeginTime: null },
    ]);
  });

  test('postpone makes a reminder due again only from the given time', async () => {
    const { account } = await createAccount(stores);
    const mine = (rows: ReminderRow[]) => rows.filter((r) => r.uid.equals(account.uid));
    await stores.reminders.schedule(account.uid, 'cadSecond', T);
    const [row] = await stores.reminders.list(account.uid);
    assert.equal(await stores.reminders.claim(row!, T, 1000), true);
    await stores.reminders.postpone(row!, T + 50_000);
    assert.equal((await stores.reminders.list(account.uid))[0]?.claimedUntil, T + 50_000);
    assert.deepEqual(mine(await stores.reminders.due(T + 49_999, 1000)), []);
    assert.equal(mine(await stores.reminders.due(T + 50_000, 1000)).length, 1);
    assert.equal(await stores.reminders.claim(row!, T + 49_999, 1000), false);
    assert.equal(await stores.reminders.claim(row!, T + 50_000, 1000), true);
    await stores.accounts.delete(account.uid);
  });
});

describe('upsert and server secrets', () => {
  test('upsert inserts, then overwrites the update columns only, or nothing', async () => {
    const name = `upsert-${++counter}`;
    await upsert(db, 'serverSecrets', { name, value: Buffer.from('first') }, ['name'], ['value']);
    assert.deepEqual(await secretRows(db, name), [Buffer.from('first')]);
    await upsert(db, 'serverSecrets', { name, value: Buffer.from('second') }, ['name'], ['value']);
    assert.deepEqual(await secretRows(db, name), [Buffer.from('second')]);
    await upsert(db, 'serverSecrets', { name, value: Buffer.from('third') }, ['name'], []);
    assert.deepEqual(await secretRows(db, name), [Buffer.from('second')], 'no update columns: the row stays');

    const { account } = await createAccount(stores);
    const uid = account.uid;
    const reminder = { uid, kind: 'cadFirst', dueAt: T, claimedUntil: T + 1, flowId: 'flow', flowBeginTime: T - 1 };
    await upsert(db, 'reminders', reminder, ['uid', 'kind'], ['dueAt']);
    await upsert(db, 'reminders', { ...reminder, dueAt: T + 7, claimedUntil: null, flowId: null }, ['uid', 'kind'], ['dueAt']);
    await upsert(db, 'reminders', { ...reminder, kind: 'cadSecond' }, ['uid', 'kind'], ['dueAt']);
    assert.deepEqual(plain(await stores.reminders.list(uid)), [
      { ...reminder, kind: 'cadSecond' },
      { ...reminder, dueAt: T + 7 },
    ]);
  });

  test('serverSecret creates a secret once and returns it ever after', async () => {
    let drawn = 0;
    const random = (n: number) => (drawn++, id(n));
    const name = `secret-${++counter}`;
    const secret = await serverSecret(db, name, 32, random);
    assert.equal(secret.length, 32);
    assert.deepEqual(await serverSecret(db, name, 32, random), secret);
    assert.equal(drawn, 1);
    assert.notDeepEqual(await serverSecret(db, `${name}-other`, 32, random), secret);
    assert.deepEqual(await secretRows(db, name), [secret]);
  });
});

describe('unit of work: Db.transaction and Db.current', () => {
  test('current is the pool outside a transaction and one connection throughout it, nested calls included', NO_HANG, async () => {
    assert.equal(db.current, db.kysely);
    const result = await db.transaction(async () => {
      const outer = db.current;
      assert.notEqual(outer, db.kysely);
      assert.equal(outer.isTransaction, true);
      await stores.accounts.exists(id(16));
      assert.equal(db.current, outer, 'the same connection after an await');
      const inner = await db.transaction(async () => db.current);
      assert.equal(inner, outer, 'a nested transaction joins the outer one');
      return 'value';
    });
    assert.equal(result, 'value');
    assert.equal(db.current, db.kysely);
  });

  test('concurrent transactions on one pool each keep their own connection', NO_HANG, async () => {
    const meet = meeting(db, 2);
    const run = () =>
      db.transaction(async () => {
        const mine = db.current;
        await meet();
        await stores.accounts.exists(id(16));
        assert.equal(db.current, mine);
        return mine;
      });
    const [first, second] = await Promise.all([run(), run()]);
    assert.notEqual(first, second);
  });

  test('every store call inside a transaction runs on it and sees its uncommitted writes', NO_HANG, async () => {
    const record = fullAccount(uniqueEmail('Üncommitted'));
    const uid = record.account.uid;
    const secondary = secondaryAddress(uid, uniqueEmail('Inside'));
    const code = id(16);
    const session = sessionRow(uid, { tokenVerificationId: code, mustVerify: 1 });
    const keyFetch = keyFetchRow(uid, code);
    const ip = id(32);
    const secretName = `inside-${++counter}`;

    const secret = await db.transaction(async () => {
      await stores.accounts.insert(record);
      assert.equal(await stores.accounts.exists(uid), true);
      assert.deepEqual(await stores.accounts.findByUid(uid), record);
      assert.deepEqual(await stores.accounts.findByEmail(record.primary.normalizedEmail), { ...record, matched: record.primary });

      await stores.emails.insert(secondary);
      assert.deepEqual(await stores.emails.find(secondary.normalizedEmail), secondary);
      assert.equal(await stores.emails.markVerified(uid, secondary.normalizedEmail, T), true);
      await stores.emails.setPrimary(uid, secondary.normalizedEmail);
      await stores.emails.setPrimary(uid, record.primary.normalizedEmail);
      assert.equal((await stores.emails.list(uid)).length, 2);
      assert.equal(await stores.emails.delete(uid, secondary.normalizedEmail), true);

      await stores.sessions.insertSession(session);
      await stores.sessions.insertKeyFetch(keyFetch);
      assert.equal((await stores.sessions.findSession(session.tokenId))?.session.email, record.primary.email);
      assert.deepEqual(await stores.sessions.findSessionOwner(session.tokenId), uid);
      assert.equal((await stores.sessions.findKeyFetch(keyFetch.tokenId))?.token.tokenVerified, false);
      await stores.events.insert(securityEvent(uid, { ipAddrHmac: ip, tokenVerificationId: code, createdAt: T + 3 }));
      assert.equal(await stores.sessions.verifyByVerificationId(uid, code, { verificationMethod: null, verifiedAt: T }), 2);
      await stores.events.markVerified(uid, code);
      assert.equal(await stores.events.latestVerified(uid, ['account.login'], ip), T + 3);
      await stores.sessions.updateSession(session.tokenId, { lastAccessTime: T + 4 });
      assert.equal((await stores.sessions.findSession(session.tokenId))?.session.lastAccessTime, T + 4);
      assert.equal(await stores.sessions.deleteKeyFetch(keyFetch.tokenId), true);

      await stores.reminders.schedule(uid, 'cadFirst', T);
      const [reminder] = await stores.reminders.due(T, 1000).then((rows) => rows.filter((r) => r.uid.equals(uid)));
      assert.ok(reminder);
      assert.equal(await stores.reminders.claim(reminder, T, 10), true);
      await stores.reminders.postpone(reminder, T + 20);
      await stores.reminders.complete(reminder);
      await stores.reminders.schedule(uid, 'cadSecond', T);
      await stores.reminders.cancel(uid, ['cadSecond']);
      assert.deepEqual(await stores.reminders.list(uid), []);

      assert.equal(await stores.accounts.markVerified(uid, T), false);
      assert.equal(await stores.accounts.deleteIfUnverified(uid), false);
      return serverSecret(db, secretName, 16, id);
    });

    assert.deepEqual(await stores.accounts.findByUid(uid), record, 'committed');
    assert.equal(await stores.sessions.deleteSession(session.tokenId), 1);
    assert.deepEqual(await serverSecret(db, secretName, 16, id), secret);
  });

  test('a transaction that throws takes back every store call it made, nested ones included', NO_HANG, async () => {
    const record = newAccount();
    const uid = record.account.uid;
    const session = sessionRow(uid);
    const secretName = `rolled-back-${++counter}`;
    const failure = new Error('abort the unit of work');

    const error = await rejection(
      db.transaction(async () => {
        await stores.accounts.insert(record);
        await db.transaction(async () => {
          assert.equal(await stores.accounts.exists(uid), true, "the nested call sees the outer one's writes");
          await stores.emails.insert(secondaryAddress(uid, uniqueEmail('Rolled-Back')));
          await stores.sessions.insertSession(session);
          await stores.events.insert(securityEvent(uid));
          await stores.reminders.schedule(uid, 'cadFirst', T);
          await serverSecret(db, secretName, 16, id);
        });
        throw failure;
      }),
    );
    assert.equal(error, failure, 'the error of the work, unchanged');
    assert.equal(db.current, db.kysely);
    assert.deepEqual(await rowsOf(db, uid), NO_ROWS);
    assert.equal(await stores.sessions.findSession(session.tokenId), undefined);
    assert.deepEqual(await secretRows(db, secretName), []);

    // A nested transaction that throws fails the outer one: there is one unit of work.
    const nested = await rejection(
      db.transaction(async () => {
        await stores.accounts.insert(record);
        await db.transaction(async () => {
          await stores.sessions.insertSession(session);
          throw failure;
        });
      }),
    );
    assert.equal(nested, failure);
    assert.equal(await stores.accounts.exists(uid), false);
  });

  test('outside a transaction each store call commits on its own', NO_HANG, async () => {
    const { account } = await createAccount(stores);
    const session = sessionRow(account.uid);
    await stores.sessions.insertSession(session);
    // Db.read serves committed data only: the session is there with no commit step.
    // (The two-connection tests below show it from another connection too.)
    assert.ok(await stores.sessions.findSession(session.tokenId));
    await stores.reminders.schedule(account.uid, 'cadFirst', T);
    await rejection(db.transaction(async () => Promise.reject(new Error('a later unit of work fails'))));
    assert.equal((await stores.reminders.list(account.uid)).length, 1, 'earlier writes are not part of it');
  });

  test('a read outside a transaction never sees its uncommitted writes', NO_HANG, async () => {
    const record = newAccount();
    const session = sessionRow(record.account.uid);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));

    const work = db.transaction(async () => {
      await stores.accounts.insert(record);
      await stores.sessions.insertSession(session);
      written();
      await released;
      throw new Error('roll back');
    });
    await wrote;
    // SQLite's one connection is the transaction's: this read waits for its end. The
    // other dialects answer from another connection at once. Neither sees the session.
    const outside = stores.sessions.findSession(session.tokenId);
    release();
    await rejection(work);
    assert.equal(await outside, undefined);
  });
});

// ---------------------------------------------------------------------------------------
// Two connections on one database, racing. SQLite: a shared file opened twice with
// 'normal' locking; a transaction on SQLite's single-connection pool runs alone, so the
// racers' transactions meet inside each other only on MariaDB and PostgreSQL.

describe('two connections on one database', () => {
  let shared: TestDatabase;
  let a: Stores;
  let b: Stores;
  before(async () => {
    shared = await createTestDatabase({ shared: true });
    a = await openStores(shared.url);
    b = storesOn(createDb(shared.url, { sqliteLocking: 'normal' }));
  });
  after(async () => {
    await a?.db.close();
    await b?.db.close();
    await shared?.drop();
  });

  const ROUNDS = 3;

  test("another connection sees writes outside a transaction at once, a transaction's once it commits", NO_HANG, async () => {
    const record = await createAccount(a);
    assert.deepEqual(await b.accounts.findByUid(record.account.uid), record);
    await a.reminders.schedule(record.account.uid, 'cadFirst', T);
    assert.equal((await b.reminders.list(record.account.uid)).length, 1);

    const next = newAccount();
    const session = sessionRow(next.account.uid);
    await a.db.transaction(async () => {
      await a.accounts.insert(next);
      await a.sessions.insertSession(session);
      assert.equal(await b.accounts.exists(next.account.uid), false);
      assert.equal(await b.sessions.findSession(session.tokenId), undefined);
    });
    assert.equal(await b.accounts.exists(next.account.uid), true);
    assert.ok(await b.sessions.findSession(session.tokenId));
  });

  test('two connections adding the same address: exactly one wins, the other is a unique violation', NO_HANG, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const first = await createAccount(a);
      const second = await createAccount(b);
      const email = uniqueEmail('Contested');
      const { fulfilled, rejected } = await settle([
        a.emails.insert(secondaryAddress(first.account.uid, email)),
        b.emails.insert(secondaryAddress(second.account.uid, email.toLowerCase())),
      ]);
      assert.equal(fulfilled.length, 1, 'one insert wins');
      assert.equal(rejected.length, 1);
      assert.equal(isUniqueViolation(rejected[0]), true, String(rejected[0]));
      const holder = await a.emails.find(normalizeEmail(email));
      assert.ok(holder && (holder.uid.equals(first.account.uid) || holder.uid.equals(second.account.uid)));
    }
  });

  test('two sign-ups of one address in concurrent transactions: one wins, the other is a unique violation', NO_HANG, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const email = uniqueEmail('Sign-Up');
      const meet = meeting(a.db, 2);
      // Both look the address up first, as a sign-up does; on MariaDB and PostgreSQL
      // both find it free, then both insert.
      const signUp = (record: AccountRecord) =>
        a.db.transaction(async () => {
          await a.accounts.findByEmail(record.account.normalizedEmail);
          await meet();
          await a.accounts.insert(record);
          return record;
        });
      const { fulfilled, rejected } = await settle([signUp(newAccount(email)), signUp(newAccount(email.toUpperCase()))]);
      assert.equal(fulfilled.length, 1, 'one sign-up wins');
      assert.equal(isUniqueViolation(rejected[0]), true, String(rejected[0]));
      const winner = fulfilled[0]!;
      assert.deepEqual(await b.accounts.findByEmail(normalizeEmail(email)), { ...winner, matched: winner.primary });
      assert.equal((await b.emails.list(winner.account.uid)).length, 1);
    }
  });

  test('concurrent upserts of one key never fail and leave one row', NO_HANG, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const update of [['value'], []] as const) {
        const name = `race-${++counter}`;
        const values = [Buffer.from('from a'), Buffer.from('from b')];
        await Promise.all([
          upsert(a.db, 'serverSecrets', { name, value: values[0]! }, ['name'], update),
          upsert(b.db, 'serverSecrets', { name, value: values[1]! }, ['name'], update),
        ]);
        const rows = await secretRows(a.db, name);
        assert.equal(rows.length, 1);
        assert.ok(values.some((value) => value.equals(rows[0]!)));

        // The same race inside two transactions of one pool.
        const meet = meeting(a.db, 2);
        const inTransaction = (value: Buffer) =>
          a.db.transaction(async () => {
            await secretRows(a.db, name);
            await meet();
            await upsert(a.db, 'serverSecrets', { name: `${name}-trx`, value }, ['name'], update);
          });
        await Promise.all(values.map(inTransaction));
        assert.equal((await secretRows(b.db, `${name}-trx`)).length, 1);
      }
    }
  });

  test('serverSecret asked by two instances at once gives both the same secret', NO_HANG, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `shared-${++counter}`;
      const [fromA, fromB] = await Promise.all([
        serverSecret(a.db, name, 32, (n) => Buffer.alloc(n, 0xaa)),
        serverSecret(b.db, name, 32, (n) => Buffer.alloc(n, 0xbb)),
      ]);
      assert.deepEqual(fromA, fromB);
      assert.deepEqual(await secretRows(a.db, name), [fromA]);
    }
  });

  test('concurrent scheduling of one reminder never fails and leaves one row', NO_HANG, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { account } = await createAccount(a);
      const uid = account.uid;
      await Promise.all([
        a.reminders.schedule(uid, 'cadFirst', T + 1, { flowId: 'a' }),
        b.reminders.schedule(uid, 'cadFirst', T + 2, { flowId: 'b' }),
      ]);
      const rows = await a.reminders.list(uid);
      assert.equal(rows.length, 1);
      assert.ok(
        (rows[0]!.dueAt === T + 1 && rows[0]!.flowId === 'a') || (rows[0]!.dueAt === T + 2 && rows[0]!.flowId === 'b'),
        'one of the two, whole',
      );

      // ReminderService schedules inside a transaction: the same race there.
      const meet = meeting(a.db, 2);
      const inTransaction = (dueAt: number) =>
        a.db.transaction(async () => {
          await a.reminders.list(uid);
          await meet();
          await a.reminders.schedule(uid, 'cadSecond', dueAt);
        });
      await Promise.all([inTransaction(T + 3), inTransaction(T + 4)]);
      const scheduled = await b.reminders.list(uid);
      assert.deepEqual(
        scheduled.map((r) => r.kind),
        ['cadFirst', 'cadSecond'],
      );
      assert.ok([T + 3, T + 4].includes(scheduled[1]!.dueAt));
    }
  });

  test('concurrent claims of one reminder: exactly one wins', NO_HANG, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { account } = await createAccount(a);
      await a.reminders.schedule(account.uid, 'cadFirst', T);
      await a.reminders.schedule(account.uid, 'cadSecond', T);
      const [row] = (await a.reminders.list(account.uid)).filter((r) => r.kind === 'cadFirst');

      const claims = await Promise.all([
        a.reminders.claim(row!, T, 60_000),
        b.reminders.claim(row!, T, 60_000),
        a.reminders.claim(row!, T, 60_000),
        b.reminders.claim(row!, T, 60_000),
      ]);
      assert.equal(claims.filter(Boolean).length, 1, `claims: ${claims.join(', ')}`);

      // As the reminder job does it: each instance lists what is due, then claims it.
      const meet = meeting(a.db, 2);
      const job = () =>
        a.db.transaction(async () => {
          // (On SQLite the second job runs after the first and finds nothing due.)
          const [due] = (await a.reminders.due(T, 1000)).filter((r) => r.uid.equals(account.uid));
          await meet();
          return due ? a.reminders.claim(due, T, 60_000) : false;
        });
      const inTransactions = await Promise.all([job(), job()]);
      assert.equal(inTransactions.filter(Boolean).length, 1, `claims: ${inTransactions.join(', ')}`);
    }
  });
});
