// Builds every service from the config. The HTTP layer and the CLI both start here.

import type { Logger } from 'pino';
import type { Config } from './config.js';
import { scryptAsync } from './crypto/index.js';
import { countDecisions, noCustoms, StoreCustoms, type Customs } from './customs/index.js';
import { createDb, pingDb, type Db } from './db/index.js';
import { checkDependencies, redactUrl, type DependencyCheck } from './dependencies.js';
import { migrateToLatest } from './db/migrate.js';
import { serverSecret } from './db/secrets.js';
import { PasswordHasher } from './features/account/password.js';
import { AccountService } from './features/account/service.js';
import { SigninService } from './features/account/signin.js';
import { AccountStore } from './features/account/store.js';
import { BrowserIdService } from './features/browserid/service.js';
import { DeviceService, type DevicePush } from './features/devices/service.js';
import { DeviceStore } from './features/devices/store.js';
import { AddressClaims } from './features/emails/address-claims.js';
import { SecondaryEmailService } from './features/emails/secondary.js';
import { AttachedClientsService } from './features/devices/attached-service.js';
import { EmailsService } from './features/emails/service.js';
import { EmailStore } from './features/emails/store.js';
import { authenticationOfSession } from './features/oauth/authentication.js';
import { ClientRegistry } from './features/oauth/clients.js';
import type { Authentication } from './features/oauth/grant-model.js';
import { GrantStore } from './features/oauth/grant-store.js';
import { OAuthService } from './features/oauth/service.js';
import { TokenService } from './features/oauth/tokens.js';
import type { SessionToken } from './features/session/model.js';
import type { AccessTokenVerifier } from './features/oauth/model.js';
import { SigningKeys } from './features/oauth/signing-keys.js';
import { ProfileService } from './features/profile/service.js';
import { ProfileStore } from './features/profile/store.js';
import { DeviceCommandStore } from './features/devices/command-store.js';
import { DeviceCommandService, type CommandPush } from './features/devices/command-service.js';
import { ReminderService } from './features/reminders/service.js';
import { ReminderStore } from './features/reminders/store.js';
import { SecurityEventService } from './features/security-events/service.js';
import { SecurityEventStore } from './features/security-events/store.js';
import { SessionService } from './features/session/service.js';
import { SessionStore } from './features/session/store.js';
import { UnblockCodes } from './features/unblock/codes.js';
import { UnblockService } from './features/unblock/service.js';
import { ScryptPool, type ScryptFunction } from './hashing/scrypt-pool.js';
import type { HealthCheck } from './http/dockerflow.js';
import { createEphemeralStore, type EphemeralStore } from './kv/index.js';
import { AccountMailer } from './mail/account-mailer.js';
import { countSends, createMailer, type Mailer } from './mail/index.js';
import { Metrics, tagFailures } from './metrics.js';
import { systemClock, systemRandom, type Clock, type RandomSource } from './runtime.js';
import { PushLoginService } from './features/session/push-login.js';
import type { PushNotifier } from './push/model.js';
import { PushSender } from './push/sender.js';
import { loadVapidDetails } from './push/vapid.js';

export interface ServiceOverrides {
  clock?: Clock;
  random?: RandomSource;
  /** A store shared by several in-process instances (tests of multi-instance behaviour). */
  kv?: EphemeralStore;
  mailer?: Mailer;
  scrypt?: ScryptFunction;
  /** Verifies OAuth access tokens for the profile API (tests inject one until the real verifier is wired). */
  accessTokens?: AccessTokenVerifier;
  /** Devices: receives device_connected / device_disconnected (tests record them). */
  devicePush?: DevicePush;
  /** Web Push as the device command queue uses it (tests inject a recording one). */
  commandPush?: CommandPush;
}

export interface Services {
  config: Config;
  logger: Logger;
  clock: Clock;
  random: RandomSource;
  db: Db;
  kv: EphemeralStore;
  mailer: Mailer;
  customs: Customs;
  scryptPool: ScryptPool;
  sessions: SessionService;
  accounts: AccountService;
  signin: SigninService;
  emails: EmailsService;
  secondaryEmails: SecondaryEmailService;
  unblock: UnblockService;
  reminders: ReminderService;
  /** OAuth signing keys (GET /v1/jwks; the token endpoints sign with them). */
  signingKeys: SigningKeys;
  /** OAuth clients: built in, OAUTH_CLIENTS, then those `accounts-server client add` stored. */
  clients: ClientRegistry;
  /** OAuth grants: codes, tokens, revocation, introspection. */
  oauth: OAuthService;
  /** Verifies bearer access tokens (/v1/verify, the profile API); an override replaces it in tests. */
  accessTokens: AccessTokenVerifier;
  /** The OAuth grant's view of a session: its user, how they authenticated, the account's change times. */
  authenticateSession(session: SessionToken): Promise<Authentication>;
  /** BrowserID certificates and support documents. */
  browserId: BrowserIdService;
  profiles: ProfileService;
  /** GET /account/attached_clients, /account/sessions and POST /account/attached_client/destroy. */
  attachedClients: AttachedClientsService;
  /** Devices: registration, listing, removal, and the device routes' session-or-refresh-token scheme. */
  devices: DeviceService;
  /** The device command queue (invoke_command, device/commands) and devices/notify. */
  deviceCommands: DeviceCommandService;
  healthChecks: HealthCheck[];
  /** Web Push to the account's devices (PROTOCOL.md §9.2); never throws for delivery problems. */
  push: PushNotifier & { readonly vapidPublicKey: string };
  /** `/session/verify/send_push` and `/session/verify/verify_push`. */
  pushLogin: PushLoginService;
  /** This app's Prometheus registry and the counters every part reports to. */
  metrics: Metrics;
  close(): Promise<void>;
}

interface NamedDependency extends DependencyCheck {
  /** Its key in /__heartbeat__. */
  name: string;
}

function dependencyChecks(
  config: Config,
  db: Db,
  kv: EphemeralStore,
  mailer: Mailer,
  overrides: ServiceOverrides,
): NamedDependency[] {
  const checks: NamedDependency[] = [
    { name: 'database', setting: 'DATABASE_URL', target: redactUrl(config.databaseUrl), check: () => pingDb(db) },
    {
      // An injected store (tests, several in-process instances) is whatever it is, not REDIS_URL.
      name: config.redisUrl && !overrides.kv ? 'redis' : 'store',
      setting: 'REDIS_URL',
      target: config.redisUrl && !overrides.kv ? redactUrl(config.redisUrl) : 'in-process store',
      check: () => kv.ping(),
    },
  ];
  if (overrides.mailer) checks.push({ name: 'mail', setting: 'SMTP_URL', target: 'injected mailer', check: () => mailer.check() });
  else if (config.smtpUrl)
    checks.push({ name: 'smtp', setting: 'SMTP_URL', target: redactUrl(config.smtpUrl), check: () => mailer.check() });
  else checks.push({ name: 'mailDir', setting: 'MAIL_DIR', target: config.mailDir, check: () => mailer.check() });
  return checks;
}

async function closeQuietly(resources: ReadonlyArray<{ close(): Promise<void> }>): Promise<void> {
  for (const resource of resources) await resource.close().catch(() => undefined);
}

export async function createServices(config: Config, logger: Logger, overrides: ServiceOverrides = {}): Promise<Services> {
  const clock = overrides.clock ?? systemClock;
  const random = overrides.random ?? systemRandom;
  const db = createDb(config.databaseUrl, {
    sqliteLocking: config.sqliteLocking,
    connectTimeoutMs: config.dependencyTimeoutMs,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
  });
  const rawKv =
    overrides.kv ?? createEphemeralStore(config.redisUrl, config.redisKeyPrefix, clock, { timeoutMs: config.dependencyTimeoutMs });
  let rawMailer: Mailer;
  try {
    rawMailer =
      overrides.mailer ??
      createMailer({
        smtpUrl: config.smtpUrl,
        mailDir: config.mailDir,
        from: config.mailFrom,
        contentUrl: config.contentUrl,
        redirectDomains: config.redirectDomains,
        logger,
        clock,
      });
  } catch (err) {
    await closeQuietly(overrides.kv ? [db] : [db, rawKv]);
    throw err;
  }
  const dependencies = dependencyChecks(config, db, rawKv, rawMailer, overrides);
  let signingKeys: SigningKeys;
  try {
    // Before migrations, so an unreachable database is reported as such, with its setting.
    await checkDependencies(dependencies, {
      budgetMs: config.startupCheckMs,
      attemptTimeoutMs: config.dependencyTimeoutMs,
      onRetry: (setting, attempt, err) => logger.warn({ setting, attempt, err }, 'dependency not reachable yet; retrying'),
    });
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    // Creates the first key (whichever instance comes first) and fails on a wrong OAUTH_KEY_ENCRYPTION_KEY.
    signingKeys = await SigningKeys.start(db, clock, config.oauthKeyEncryptionKey);
  } catch (err) {
    await closeQuietly(overrides.kv ? [rawMailer, db] : [rawMailer, rawKv, db]);
    throw err;
  }

  const metrics = new Metrics();
  // Failures of the ephemeral store are told apart from others in server_errors_total.
  const kv = tagFailures(rawKv, 'ephemeral_store');
  const mailer = countSends(rawMailer, metrics);
  const customs = countDecisions(config.rateLimitEnabled ? new StoreCustoms(kv, clock) : noCustoms, metrics);
  const scryptPool = new ScryptPool(
    {
      concurrency: config.scryptConcurrency,
      queueLimit: config.scryptQueueLimit,
      retryAfterSeconds: config.scryptRetryAfterSeconds,
    },
    overrides.scrypt ?? scryptAsync,
    metrics,
  );
  metrics.watchScryptPool(scryptPool);
  const mail = new AccountMailer(mailer, logger);
  const securityEvents = new SecurityEventService(new SecurityEventStore(db), await serverSecret(db, 'ipHmacKey', 32, random), clock);
  const unblockCodes = new UnblockCodes(kv, clock, random);
  const deviceStore = new DeviceStore(db);
  const push = new PushSender({
    devices: deviceStore,
    vapid: await loadVapidDetails(db, {
      configured: config.pushVapidPrivateKey,
      publicUrl: config.publicUrl,
      mailFrom: config.mailFrom,
      random,
    }),
    logger,
    metrics,
    timeoutMs: config.pushTimeoutMs,
  });
  const sessions = new SessionService({
    db,
    store: new SessionStore(db),
    securityEvents,
    clock,
    random,
    sessionLifetimeMs: config.sessionTokenLifetimeMs,
  });
  const emailStore = new EmailStore(db);
  const accountStore = new AccountStore(db, emailStore);
  const claims = new AddressClaims({ kv, emails: emailStore, accounts: accountStore });
  const reminders = new ReminderService({
    db,
    store: new ReminderStore(db),
    mail,
    findAccount: (uid) => accountStore.findByUid(uid),
    clock,
    logger,
  });
  const hasher = new PasswordHasher(scryptPool, random);
  const accounts = new AccountService({
    db,
    store: accountStore,
    emails: emailStore,
    claims,
    tokens: sessions,
    hasher,
    customs,
    mail,
    securityEvents,
    reminders,
    push,
    clock,
    random,
    logger,
    signupPolicy: config.signupPolicy,
  });
  const signin = new SigninService({
    db,
    store: accountStore,
    tokens: sessions,
    hasher,
    customs,
    mail,
    securityEvents,
    unblockCodes,
    config,
    clock,
    random,
    logger,
  });
  const emails = new EmailsService({ db, accounts, sessions, customs, mail, push, clock, logger });
  const unblock = new UnblockService({ codes: unblockCodes, accounts, customs, mail, clock, logger });
  const secondaryEmails = new SecondaryEmailService({
    db,
    store: emailStore,
    claims,
    accounts,
    securityEvents,
    customs,
    mail,
    clock,
    random,
  });

  const clients = new ClientRegistry({
    db,
    builtin: config.oauthBuiltinClients,
    configured: config.oauthClients,
    disabled: config.oauthDisabledClients,
  });
  const grantStore = new GrantStore(db);
  const tokens = new TokenService({
    store: grantStore,
    signingKeys,
    accountFacts: async (uid) => {
      const record = await accountStore.findByUid(uid);
      return record && { generation: record.account.verifierSetAt, profileChangedAt: record.account.profileChangedAt };
    },
    clock,
    random,
    settings: {
      issuer: config.publicUrl,
      accessTokenLifetimeS: config.oauthAccessTokenLifetimeSeconds,
      ppidClients: new Set(config.oauthPpidClients),
      ppidSalt: config.oauthPpidSalt,
    },
  });
  const oauth: OAuthService = new OAuthService({
    db,
    sessions,
    store: grantStore,
    clients,
    tokens,
    clock,
    random,
    // A device follows its refresh token through rotation (devices is declared below).
    devices: { refreshTokenReplaced: (previous, next): Promise<void> => devices.refreshTokenReplaced(previous, next) },
  });

  const devices: DeviceService = new DeviceService({
    db,
    store: deviceStore,
    sessions,
    refreshTokens: oauth,
    // Tests may watch device_connected / device_disconnected instead of a push service.
    push: overrides.devicePush ?? push,
    clock,
    random,
    logger,
  });
  const authenticateSession = async (session: SessionToken): Promise<Authentication> => {
    const record = await accountStore.findByUid(session.uid);
    return authenticationOfSession(session, {
      profileChangedAt: record?.account.profileChangedAt ?? null,
      keysChangedAt: record?.account.keysChangedAt ?? null,
    });
  };
  const browserId = new BrowserIdService({ keys: signingKeys, accounts, clock, issuer: new URL(config.publicUrl).host });
  const profiles = new ProfileService({
    db,
    store: new ProfileStore(db),
    accounts,
    avatarUrl: (id) => `${config.publicUrl.replace(/\/+$/, '')}/profile/a/${id}`,
    push,
  });
  const pushLogin = new PushLoginService({
    accounts,
    sessions,
    push,
    customs,
    mail,
    clock,
    logger,
    contentUrl: config.contentUrl,
  });

  const attachedClients = new AttachedClientsService({
    db,
    devices: deviceStore,
    sessions,
    oauth,
    handleKey: await serverSecret(db, 'sessionTokenHandleKey', 32, random),
    clock,
    removal: devices,
  });

  const deviceCommands = new DeviceCommandService({
    db,
    store: new DeviceCommandStore(db),
    push: overrides.commandPush ?? push,
    clock,
    logger,
    publicUrl: config.publicUrl,
  });

  // One entry per dependency; the heartbeat bounds each by DEPENDENCY_TIMEOUT_MS.
  const healthChecks: HealthCheck[] = dependencies.map(({ name, check }) => ({ name, check }));

  return {
    config,
    logger,
    clock,
    random,
    db,
    kv,
    mailer,
    customs,
    scryptPool,
    sessions,
    accounts,
    signin,
    emails,
    secondaryEmails,
    unblock,
    reminders,
    signingKeys,
    clients,
    oauth,
    accessTokens: overrides.accessTokens ?? tokens,
    authenticateSession,
    browserId,
    profiles,
    attachedClients,
    devices,
    deviceCommands,
    healthChecks,
    push,
    pushLogin,
    metrics,
    async close() {
      await mailer.close();
      if (!overrides.kv) await kv.close();
      await db.close();
    },
  };
}
