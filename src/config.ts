// One typed configuration object. Every setting comes from an environment variable
// (or the optional JSON file named by CONFIG_FILE, whose keys are the same variable
// names); the defaults run the embedded mode on a fresh machine with no services.
// Each variable is documented in README.md; a test keeps the two in step.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  contentUrl: string;
  /** Lower-case (punycode) host names that redirectTo URLs may point to, subdomains included. */
  redirectDomains: string[];
  dataDir: string;
  databaseUrl: string;
  sqliteLocking: 'exclusive' | 'normal';
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  smtpUrl: string | undefined;
  mailDir: string;
  mailFrom: string;
  corsOrigins: string[];
  trustProxy: boolean;
  logLevel: string;
  bodyLimitBytes: number;
  hawkTimestampSkewSeconds: number;
  scryptConcurrency: number;
  scryptQueueLimit: number;
  scryptRetryAfterSeconds: number;
  rateLimitEnabled: boolean;
  signinConfirmation: {
    skipForNewAccountsHours: number;
    skipForSameIpDays: number;
    forceAll: boolean;
    forcedEmailRegex: RegExp | undefined;
    skipForEmailRegex: RegExp | undefined;
  };
  signinUnblockForcedEmailRegex: RegExp | undefined;
  sessionTokenLifetimeMs: number;
  reminderIntervalMs: number;
  /** How long a stopping server lets in-flight requests finish before it closes their connections. */
  shutdownTimeoutMs: number;
  /** Bound on connecting to Redis / the database, on each Redis command and on each heartbeat check. */
  dependencyTimeoutMs: number;
  databaseQueryTimeoutMs: number;
  /** How long start-up keeps retrying an unreachable dependency before giving up. */
  startupCheckMs: number;
  version: string;
}

type Env = Record<string, string | undefined>;

interface Setting<T> {
  doc: string;
  default: string;
  parse: (raw: string) => T;
}

const int = (raw: string): number => {
  if (!/^-?\d+$/.test(raw)) throw new Error(`expected an integer, got "${raw}"`);
  return Number(raw);
};
const positiveInt = (raw: string): number => {
  const n = int(raw);
  if (n < 1) throw new Error(`expected a positive integer, got "${raw}"`);
  return n;
};
const nonNegativeInt = (raw: string): number => {
  const n = int(raw);
  if (n < 0) throw new Error(`expected zero or more, got "${raw}"`);
  return n;
};
const optionalPositiveInt = (raw: string): number | undefined => (raw === '' ? undefined : positiveInt(raw));
const bool = (raw: string): boolean => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`expected a boolean, got "${raw}"`);
};
const str = (raw: string): string => raw;
const optional = (raw: string): string | undefined => (raw === '' ? undefined : raw);
const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const regex = (raw: string): RegExp | undefined => (raw === '' ? undefined : new RegExp(raw));

/** A bare host name as URLs spell it (lower case, IDN as punycode): no scheme, port, path or wildcard. */
function hostName(raw: string): string {
  let host: string | undefined;
  try {
    const url = new URL(`http://${raw}`);
    if (url.href === `http://${url.hostname}/` && !/[/\\?#@]/.test(raw)) host = url.hostname;
  } catch {
    // reported below
  }
  if (!host || !/^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/.test(host)) {
    throw new Error(`expected host names such as example.com, got "${raw}"`);
  }
  return host;
}
const hostList = (raw: string): string[] => list(raw).map(hostName);

/** The documented settings: name → doc, default (as the env string) and parser. */
export const SETTINGS = {
  PORT: { doc: 'TCP port to listen on (0: any free port).', default: '9000', parse: nonNegativeInt },
  HOST: { doc: 'Interface to listen on (`0.0.0.0` for all).', default: '127.0.0.1', parse: str },
  PUBLIC_URL: {
    doc: 'The URL clients use to reach this server, without `/v1`. Its host and port are the ones Hawk signatures cover, and links in emails point here unless CONTENT_URL is set.',
    default: 'http://localhost:9000',
    parse: str,
  },
  CONTENT_URL: {
    doc: 'Origin of the web pages that email links open (verify_email, complete_signin). Defaults to PUBLIC_URL.',
    default: '',
    parse: optional,
  },
  REDIRECT_DOMAINS: {
    doc: 'Comma-separated host names that a `redirectTo` (which mailed links carry back to the relying party) may point to; their subdomains are allowed too, and only http(s) URLs. Anything else is refused with errno 107. Defaults to the host of CONTENT_URL; setting it replaces that default.',
    default: '',
    parse: hostList,
  },
  DATA_DIR: { doc: 'Folder for embedded-mode state (SQLite file, mail files).', default: 'data', parse: str },
  DATABASE_URL: {
    doc: 'Database: `sqlite:<path>` (or `sqlite::memory:`), `mysql://user:pass@host:3306/db` (MySQL/MariaDB) or `postgres://user@host:5432/db`. Defaults to `sqlite:<DATA_DIR>/accounts.sqlite`.',
    default: '',
    parse: optional,
  },
  SQLITE_LOCKING: {
    doc: '`exclusive`: this server alone opens the SQLite file (fastest; other processes such as the sqlite3 shell or `npm run migrate` must wait until it stops). `normal`: several processes may share the file.',
    default: 'exclusive',
    parse: (raw: string): 'exclusive' | 'normal' => {
      if (raw !== 'exclusive' && raw !== 'normal') throw new Error(`expected exclusive or normal, got "${raw}"`);
      return raw;
    },
  },
  REDIS_URL: {
    doc: 'Redis for the ephemeral store (Hawk nonces, rate-limit counters, short-lived codes), e.g. `redis://127.0.0.1:6379/0`. Unset: an in-process store (single instance only).',
    default: '',
    parse: optional,
  },
  REDIS_KEY_PREFIX: { doc: 'Prefix of every Redis key this server writes.', default: 'fxa:', parse: str },
  SMTP_URL: {
    doc: 'SMTP relay for outgoing mail, e.g. `smtp://user:pass@mail.example.com:587` or `smtps://…`. Unset: mail is written as `.eml` files to MAIL_DIR and logged.',
    default: '',
    parse: optional,
  },
  MAIL_DIR: { doc: 'Folder for `.eml` files when SMTP_URL is unset. Defaults to `<DATA_DIR>/mail`.', default: '', parse: optional },
  MAIL_FROM: { doc: 'From address of outgoing mail.', default: 'Accounts <no-reply@localhost>', parse: str },
  CORS_ORIGINS: {
    doc: 'Comma-separated browser origins allowed to call the API (e.g. `https://accounts.example.com`). Empty: no cross-origin access.',
    default: '',
    parse: list,
  },
  TRUST_PROXY: {
    doc: 'Trust `X-Forwarded-For` / `X-Forwarded-Proto` from a load balancer when taking the client IP.',
    default: 'false',
    parse: bool,
  },
  LOG_LEVEL: { doc: 'pino log level (`fatal`…`trace`, or `silent`).', default: 'info', parse: str },
  BODY_LIMIT_BYTES: { doc: 'Largest accepted request body; larger bodies get errno 113.', default: '16384', parse: positiveInt },
  HAWK_TIMESTAMP_SKEW_SECONDS: {
    doc: 'How far a Hawk timestamp may be from server time before errno 111 (clients then resync from `serverTime`). Nonces are remembered for twice this long.',
    default: '60',
    parse: positiveInt,
  },
  SCRYPT_CONCURRENCY: {
    doc: 'Password hashes (scrypt, 64 MiB each) computed at once, off the event loop. Defaults to the number of CPUs.',
    default: '',
    parse: optionalPositiveInt,
  },
  SCRYPT_QUEUE_LIMIT: {
    doc: 'Password hashes allowed to wait for a free slot; past this the server answers 503 errno 201 with Retry-After.',
    default: '64',
    parse: nonNegativeInt,
  },
  SCRYPT_RETRY_AFTER_SECONDS: {
    doc: 'Retry-After sent with errno 201 when the hashing queue is full.',
    default: '5',
    parse: positiveInt,
  },
  RATE_LIMIT_ENABLED: {
    doc: "Apply FxA's built-in rate limits (errno 114) to logins, sign-ups, status checks and code checks.",
    default: 'true',
    parse: bool,
  },
  SIGNIN_CONFIRMATION_SKIP_FOR_NEW_ACCOUNTS_HOURS: {
    doc: 'A new sign-in starts confirmed when the account is younger than this (0 disables).',
    default: '48',
    parse: nonNegativeInt,
  },
  SIGNIN_CONFIRMATION_SKIP_FOR_SAME_IP_DAYS: {
    doc: 'A new sign-in starts confirmed when a confirmed sign-in (or the sign-up) came from the same IP address within this many days (0 disables).',
    default: '7',
    parse: nonNegativeInt,
  },
  SIGNIN_CONFIRMATION_FORCE_ALL: {
    doc: 'Every sign-in must be confirmed, whatever the shortcuts above say.',
    default: 'false',
    parse: bool,
  },
  SIGNIN_CONFIRMATION_FORCE_EMAIL_REGEX: {
    doc: 'Sign-ins of addresses matching this regular expression must always be confirmed by email (Mozilla uses `.+@mozilla\\.com$` for its staff; empty disables).',
    default: '',
    parse: regex,
  },
  SIGNIN_CONFIRMATION_SKIP_EMAIL_REGEX: {
    doc: 'Sign-ins of addresses matching this regular expression never need confirmation (testing aid; empty disables).',
    default: '',
    parse: regex,
  },
  SIGNIN_UNBLOCK_FORCED_EMAIL_REGEX: {
    doc: 'Sign-ins of addresses matching this regular expression are blocked (errno 125) until the user signs in with an unblock code mailed to them (a testing aid for the `email-captcha` flow; empty disables).',
    default: '',
    parse: regex,
  },
  SESSION_TOKEN_LIFETIME_DAYS: {
    doc: 'Lifetime of a session token that has no registered device.',
    default: '28',
    parse: positiveInt,
  },
  REMINDER_INTERVAL_SECONDS: {
    doc: 'How often each instance looks for reminder mails that are due (unverified-account and connect-another-device reminders); 0 turns the job off on this instance.',
    default: '60',
    parse: nonNegativeInt,
  },
  SHUTDOWN_TIMEOUT_SECONDS: {
    doc: "On SIGTERM or SIGINT the server stops accepting connections and lets in-flight requests finish for at most this long, then closes what is left and exits (a second signal exits at once). Keep the service manager's stop timeout above it.",
    default: '10',
    parse: nonNegativeInt,
  },
  DEPENDENCY_TIMEOUT_MS: {
    doc: 'Bound on connecting to the database or Redis, on each Redis command, on the SMTP check and on each /__heartbeat__ check. A dependency that does not answer in time makes requests answer 503 errno 201 with Retry-After.',
    default: '2000',
    parse: positiveInt,
  },
  DATABASE_QUERY_TIMEOUT_MS: {
    doc: 'MySQL/MariaDB and PostgreSQL: bound on each statement (a stalled or overloaded database then answers 503 errno 201).',
    default: '10000',
    parse: positiveInt,
  },
  STARTUP_CHECK_SECONDS: {
    doc: 'At start the server checks the database, Redis and mail (SMTP relay or MAIL_DIR), retrying for up to this long, then exits with an error naming the setting that fails (0: one attempt).',
    default: '10',
    parse: nonNegativeInt,
  },
  CONFIG_FILE: {
    doc: 'Optional JSON file of settings, keyed by these variable names; environment variables win over it.',
    default: '',
    parse: optional,
  },
} satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof SETTINGS;

function readConfigFile(path: string | undefined): Env {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`CONFIG_FILE ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path}: expected a JSON object of settings`);
  }
  const env: Env = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in SETTINGS)) throw new Error(`${path}: unknown setting ${key}`);
    if (value === null) continue; // null means "not set", like an absent key
    env[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** REDIRECT_DOMAINS' default: the host the mailed links already point to. */
function hostOf(contentUrl: string): string {
  let host = '';
  try {
    host = new URL(contentUrl).hostname;
  } catch {
    // reported below
  }
  if (!host) throw new Error(`config CONTENT_URL: expected an http(s) URL with a host, got "${contentUrl}"`);
  return host;
}

/** Builds the config from the environment (and CONFIG_FILE); `overrides` wins over both (tests use it). */
export function loadConfig(env: Env = process.env, overrides: Partial<Record<SettingName, string>> = {}): Config {
  const merged: Env = { ...readConfigFile(overrides.CONFIG_FILE ?? env.CONFIG_FILE), ...env, ...overrides };
  const get = <K extends SettingName>(name: K): ReturnType<(typeof SETTINGS)[K]['parse']> => {
    const setting: Setting<unknown> = SETTINGS[name];
    const raw = merged[name] ?? setting.default;
    try {
      return setting.parse(raw) as ReturnType<(typeof SETTINGS)[K]['parse']>;
    } catch (err) {
      throw new Error(`config ${name}: ${(err as Error).message}`, { cause: err });
    }
  };

  const dataDir = resolve(get('DATA_DIR'));
  const publicUrl = get('PUBLIC_URL').replace(/\/+$/, '');
  const contentUrl = (get('CONTENT_URL') ?? publicUrl).replace(/\/+$/, '');
  const redirectDomains = get('REDIRECT_DOMAINS');
  const scryptConcurrency = get('SCRYPT_CONCURRENCY');
  return {
    port: get('PORT'),
    host: get('HOST'),
    publicUrl,
    contentUrl,
    redirectDomains: redirectDomains.length > 0 ? redirectDomains : [hostOf(contentUrl)],
    dataDir,
    databaseUrl: get('DATABASE_URL') ?? `sqlite:${resolve(dataDir, 'accounts.sqlite')}`,
    sqliteLocking: get('SQLITE_LOCKING'),
    redisUrl: get('REDIS_URL'),
    redisKeyPrefix: get('REDIS_KEY_PREFIX'),
    smtpUrl: get('SMTP_URL'),
    mailDir: get('MAIL_DIR') ?? resolve(dataDir, 'mail'),
    mailFrom: get('MAIL_FROM'),
    corsOrigins: get('CORS_ORIGINS'),
    trustProxy: get('TRUST_PROXY'),
    logLevel: get('LOG_LEVEL'),
    bodyLimitBytes: get('BODY_LIMIT_BYTES'),
    hawkTimestampSkewSeconds: get('HAWK_TIMESTAMP_SKEW_SECONDS'),
    scryptConcurrency: scryptConcurrency ?? availableParallelism(),
    scryptQueueLimit: get('SCRYPT_QUEUE_LIMIT'),
    scryptRetryAfterSeconds: get('SCRYPT_RETRY_AFTER_SECONDS'),
    rateLimitEnabled: get('RATE_LIMIT_ENABLED'),
    signinConfirmation: {
      skipForNewAccountsHours: get('SIGNIN_CONFIRMATION_SKIP_FOR_NEW_ACCOUNTS_HOURS'),
      skipForSameIpDays: get('SIGNIN_CONFIRMATION_SKIP_FOR_SAME_IP_DAYS'),
      forceAll: get('SIGNIN_CONFIRMATION_FORCE_ALL'),
      forcedEmailRegex: get('SIGNIN_CONFIRMATION_FORCE_EMAIL_REGEX'),
      skipForEmailRegex: get('SIGNIN_CONFIRMATION_SKIP_EMAIL_REGEX'),
    },
    signinUnblockForcedEmailRegex: get('SIGNIN_UNBLOCK_FORCED_EMAIL_REGEX'),
    sessionTokenLifetimeMs: get('SESSION_TOKEN_LIFETIME_DAYS') * 24 * 3600 * 1000,
    reminderIntervalMs: get('REMINDER_INTERVAL_SECONDS') * 1000,
    shutdownTimeoutMs: get('SHUTDOWN_TIMEOUT_SECONDS') * 1000,
    dependencyTimeoutMs: get('DEPENDENCY_TIMEOUT_MS'),
    databaseQueryTimeoutMs: get('DATABASE_QUERY_TIMEOUT_MS'),
    startupCheckMs: get('STARTUP_CHECK_SECONDS') * 1000,
    version: packageVersion(),
  };
}
