// One typed configuration object. Every setting comes from an environment variable
// (or the optional JSON file named by CONFIG_FILE, whose keys are the same variable
// names); the defaults run the embedded mode on a fresh machine with no services.
// Each variable is documented in README.md; a test keeps the two in step.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseClientIdList, parseOAuthClients, type OAuthClient } from './features/oauth/client-settings.js';
import { parseVapidPrivateKey } from './push/vapid-key.js';
import {
  parseSignupAllowlist,
  SIGNUP_POLICY_MODES,
  type SignupPolicy,
  type SignupPolicyMode,
} from './features/account/signup-policy.js';

/**
 * A setting or the environment it names is wrong (a bad value, a database that cannot be
 * reached, a port in use): the CLI prints the message alone, as one line, without a stack.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

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
  /** Who may create an account through the API (SIGNUP_POLICY, SIGNUP_ALLOWLIST). */
  signupPolicy: SignupPolicy;
  /** What /.well-known/fxa-client-configuration announces besides PUBLIC_URL. */
  syncTokenserverUrl: string;
  pairingServerUrl: string | undefined;
  /** AES-256-GCM key for the OAuth signing keys' private parts at rest; undefined: stored unencrypted. */
  oauthKeyEncryptionKey: Buffer | undefined;
  /** Default and maximum access-token lifetime. */
  oauthAccessTokenLifetimeSeconds: number;
  /** OAuth clients from OAUTH_CLIENTS (source `config`). */
  oauthClients: OAuthClient[];
  oauthBuiltinClients: boolean;
  /** Client ids (16 hex) of OAUTH_DISABLED_CLIENTS. */
  oauthDisabledClients: string[];
  /** Clients that see a pairwise `sub` (OAUTH_PPID_CLIENTS), and the salt it is derived with. */
  oauthPpidClients: string[];
  oauthPpidSalt: string;
  /** Devices may register a push service on a loopback address (tests, a local autopush). */
  pushAllowLoopback: boolean;
  reminderIntervalMs: number;
  /** Web Push: the VAPID private key (PUSH_VAPID_PRIVATE_KEY); undefined: generated into the database. */
  pushVapidPrivateKey: Buffer | undefined;
  /** Deadline of each request to a push service. */
  pushTimeoutMs: number;
  /** How long a stopping server lets in-flight requests finish before it closes their connections. */
  shutdownTimeoutMs: number;
  /** Bound on connecting to Redis / the database, on each Redis command and on each heartbeat check. */
  dependencyTimeoutMs: number;
  databaseQueryTimeoutMs: number;
  /** How long start-up keeps retrying an unreachable dependency before giving up. */
  startupCheckMs: number;
  version: string;
  /** The source commit /__version__ reports: GIT_COMMIT, else version.json, else .git, else `unknown`. */
  commit: string;
}

type Env = Record<string, string | undefined>;

interface Setting<T> {
  doc: string;
  default: string;
  parse: (raw: string) => T;
}

const int = (raw: string): number => {
  if (!/^-?\d+$/.test(raw)) throw new Error(`expected an integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
};
const positiveInt = (raw: string): number => {
  const n = int(raw);
  if (n < 1) throw new Error(`expected a positive integer, got ${JSON.stringify(raw)}`);
  return n;
};
const nonNegativeInt = (raw: string): number => {
  const n = int(raw);
  if (n < 0) throw new Error(`expected zero or more, got ${JSON.stringify(raw)}`);
  return n;
};
const optionalPositiveInt = (raw: string): number | undefined => (raw === '' ? undefined : positiveInt(raw));
const bool = (raw: string): boolean => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`expected a boolean (true/false, 1/0, yes/no, on/off), got ${JSON.stringify(raw)}`);
};
const str = (raw: string): string => raw;
const optional = (raw: string): string | undefined => (raw === '' ? undefined : raw);
const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const regex = (raw: string): RegExp | undefined => (raw === '' ? undefined : new RegExp(raw));
const port = (raw: string): number => {
  const n = int(raw);
  if (n < 0 || n > 65535) throw new Error(`expected a TCP port from 0 to 65535, got ${JSON.stringify(raw)}`);
  return n;
};
/** 32 bytes as 64 hex digits or base64; empty: none. */
const key32 = (raw: string): Buffer | undefined => {
  if (raw === '') return undefined;
  const bytes = /^[0-9a-fA-F]{64}$/.test(raw)
    ? Buffer.from(raw, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(raw)
      ? Buffer.from(raw, 'base64')
      : undefined;
  if (bytes?.length !== 32) throw new Error('expected 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)');
  return bytes;
};
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const logLevel = (raw: string): string => {
  const level = raw.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return level;
};

/**
 * An http(s) URL with a host and without user info, query or fragment, returned without its
 * trailing slash. `origin` also refuses a path: Hawk signs the host and port only, and the API
 * lives at `/v1` of PUBLIC_URL.
 */
function httpUrl(raw: string, { origin }: { origin: boolean }): string {
  const example = origin ? 'https://accounts.example.com' : 'https://www.example.com';
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  const problem =
    !url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname
      ? `expected an http(s) URL such as ${example}`
      : url.username || url.password
        ? 'expected no user name or password in the URL'
        : url.search || url.hash || raw.includes('?') || raw.includes('#')
          ? 'expected no query or fragment'
          : origin && url.pathname !== '/'
            ? 'expected no path (the API is served at /v1 under this URL)'
            : undefined;
  if (problem) throw new Error(`${problem}, got ${JSON.stringify(raw)}`);
  return raw.replace(/\/+$/, '');
}
const optionalHttpUrl = (raw: string): string | undefined => (raw === '' ? undefined : httpUrl(raw, { origin: false }));
const optionalOrigin = (raw: string): string | undefined => (raw === '' ? undefined : httpUrl(raw, { origin: true }));
const databaseUrl = (raw: string): string | undefined => {
  if (raw === '') return undefined;
  if (!/^(sqlite:|(mysql|mariadb|postgres|postgresql):\/\/)/.test(raw)) {
    throw new Error('expected sqlite:<path>, mysql://…, mariadb://… or postgres://…, got a URL of another kind');
  }
  return raw;
};

/**
 * PUBLIC_URL's default: the address the server listens on, as a client on this machine
 * would write it (the wildcard addresses become loopback ones), so that Hawk signatures made
 * for the logged address verify.
 */
export function defaultPublicUrl(host: string, listenPort: number): string {
  let name = host.trim();
  if (name === '' || name === '0.0.0.0') name = '127.0.0.1';
  else if (name === '::' || name === '[::]') name = 'localhost';
  else if (name.includes(':') && !name.startsWith('[')) name = `[${name}]`;
  return `http://${name.toLowerCase()}:${listenPort}`;
}

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
    throw new Error(`expected host names such as example.com, got ${JSON.stringify(raw)}`);
  }
  return host;
}
const hostList = (raw: string): string[] => list(raw).map(hostName);

/** The documented settings: name → doc, default (as the env string) and parser. */
export const SETTINGS = {
  PORT: { doc: 'TCP port to listen on, 0–65535 (0: any free port; then set PUBLIC_URL).', default: '9000', parse: port },
  HOST: { doc: 'Interface to listen on (`0.0.0.0` for all).', default: '127.0.0.1', parse: str },
  PUBLIC_URL: {
    doc: 'The URL clients use to reach this server: http(s), without `/v1`, path or query. Its host and port are the ones Hawk signatures cover, and links in emails point here unless CONTENT_URL is set. Defaults to `http://<HOST>:<PORT>` (`127.0.0.1` for HOST `0.0.0.0`, `localhost` for `::`).',
    default: '',
    parse: optionalOrigin,
  },
  CONTENT_URL: {
    doc: 'Origin of the web pages that email links open (verify_email, complete_signin): an http(s) URL. Defaults to PUBLIC_URL.',
    default: '',
    parse: optionalHttpUrl,
  },
  REDIRECT_DOMAINS: {
    doc: 'Comma-separated host names that a `redirectTo` (which mailed links carry back to the relying party) may point to; their subdomains are allowed too, and only http(s) URLs. Anything else is refused with errno 107. Defaults to the host of CONTENT_URL; setting it replaces that default.',
    default: '',
    parse: hostList,
  },
  DATA_DIR: { doc: 'Folder for embedded-mode state (SQLite file, mail files).', default: 'data', parse: str },
  DATABASE_URL: {
    doc: 'Database: `sqlite:<path>` (relative to the working directory, or absolute; see the SQLite forms in README.md), `sqlite::memory:`, `mysql://user:pass@host:3306/db` (MySQL/MariaDB) or `postgres://user@host:5432/db`. Defaults to `sqlite:<DATA_DIR>/accounts.sqlite`.',
    default: '',
    parse: databaseUrl,
  },
  SQLITE_LOCKING: {
    doc: '`exclusive`: this server alone opens the SQLite file (fastest; other processes such as the sqlite3 shell or `npm run migrate` must wait until it stops). `normal`: several processes may share the file.',
    default: 'exclusive',
    parse: (raw: string): 'exclusive' | 'normal' => {
      if (raw !== 'exclusive' && raw !== 'normal') throw new Error(`expected exclusive or normal, got ${JSON.stringify(raw)}`);
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
  LOG_LEVEL: {
    doc: 'pino log level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
    default: 'info',
    parse: logLevel,
  },
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
  SIGNUP_POLICY: {
    doc: 'Who may create an account with POST /v1/account/create: `open` (anyone), `allowlist` (only SIGNUP_ALLOWLIST) or `closed` (nobody; `accounts-server user add` still creates accounts). Refused sign-ups get errno 207.',
    default: 'open',
    parse: (raw: string): SignupPolicyMode => {
      const mode = raw.toLowerCase() as SignupPolicyMode;
      if (!SIGNUP_POLICY_MODES.includes(mode)) throw new Error(`expected open, allowlist or closed, got ${JSON.stringify(raw)}`);
      return mode;
    },
  },
  SIGNUP_ALLOWLIST: {
    doc: 'With SIGNUP_POLICY=allowlist: comma-separated addresses (`alice@example.com`) and `@domain` entries (`@example.com`, that domain only, not its subdomains), any case.',
    default: '',
    parse: parseSignupAllowlist,
  },
  SYNC_TOKENSERVER_URL: {
    doc: 'Base URL of the Sync tokenserver (e.g. syncstorage-rs), without `/1.0/sync/1.5`, announced to Firefox in /.well-known/fxa-client-configuration. Defaults to `<PUBLIC_URL>/token`, a path this server leaves to a reverse proxy.',
    default: '',
    parse: optionalHttpUrl,
  },
  PAIRING_SERVER_URL: {
    doc: 'WebSocket URL of a pairing channel server (`wss://…`), announced to Firefox as `pairing_server_base_uri`. Unset: not announced.',
    default: '',
    parse: (raw: string): string | undefined => {
      if (raw === '') return undefined;
      if (!/^wss?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(raw)) throw new Error(`expected a ws(s):// URL, got ${JSON.stringify(raw)}`);
      return raw.replace(/\/+$/, '');
    },
  },
  OAUTH_KEY_ENCRYPTION_KEY: {
    doc: 'Key (32 bytes: 64 hex digits or base64, e.g. `openssl rand -hex 32`) that encrypts the private parts of the OAuth signing keys stored in the database, with AES-256-GCM. Empty: they are stored unencrypted (anyone who can read the database can then sign tokens). Every instance and the `keys` commands need the same value; a wrong one stops the start with an error naming this setting.',
    default: '',
    parse: key32,
  },
  OAUTH_CLIENTS: {
    doc: "OAuth clients (relying parties), as a JSON array in the shape of FxA's `oauthServer.clients`: `id` (16 hex), `hashedSecret` (SHA-256 of the hex-decoded secret, 64 hex; optional for public clients), `hashedSecretPrevious`, `name`, `imageUri`, `redirectUri` (comma-separated), `trusted`, `canGrant`, `publicClient`, `allowedScopes` (space-separated), and `jwtAccessTokens` (default false), `rotateRefreshTokens` (default true for confidential clients, false for public ones). An entry with a plaintext `secret` stops the start with the hash to store instead. `accounts-server client add` registers clients in the database instead.",
    default: '',
    parse: parseOAuthClients,
  },
  OAUTH_BUILTIN_CLIENTS: {
    doc: "Register Mozilla's browsers under Mozilla's client ids (Firefox desktop, iOS, Fenix, Fennec, Reference Browser), so they can sign in unchanged.",
    default: 'true',
    parse: bool,
  },
  OAUTH_DISABLED_CLIENTS: {
    doc: 'Comma-separated client ids that are turned off (FxA `disabledClients`): they get 503 errno 202 until removed from the list.',
    default: '',
    parse: parseClientIdList,
  },
  OAUTH_PPID_CLIENTS: {
    doc: 'Comma-separated client ids that get a pairwise pseudonymous `sub` in id_tokens and JWT access tokens instead of the uid (FxA `ppid.enabledClientIds`), so two of them cannot match users by `sub`.',
    default: '',
    parse: parseClientIdList,
  },
  OAUTH_PPID_SALT: {
    doc: 'Salt of the pairwise `sub` (FxA `ppid.salt`). Changing it changes every pairwise `sub` a client has seen.',
    default: 'accounts-server ppid salt',
    parse: (value: string) => value,
  },
  OAUTH_ACCESS_TOKEN_LIFETIME_SECONDS: {
    doc: "Default and longest lifetime of an OAuth access token (FxA: 365 minutes). A client's `ttl` may only shorten it. At most 86400: the signing keys keep verifying tokens that long after a rotation.",
    default: '21900',
    parse: (value: string) => {
      const seconds = positiveInt(value);
      if (seconds > 86400) throw new Error('must be at most 86400 (24 hours)');
      return seconds;
    },
  },
  PUSH_ALLOW_LOOPBACK: {
    doc: "Devices may register a `pushCallback` on a loopback address (`http(s)://127.0.0.1`, `localhost`, `[::1]`) besides Mozilla's push services: for tests and a push service run on the same machine. Off, anything but FxA's allow-list of push hosts is errno 107.",
    default: 'false',
    parse: bool,
  },
  PUSH_VAPID_PRIVATE_KEY: {
    doc: 'Web Push: the VAPID private key (RFC 8292) that identifies this server to push services, as 32 bytes of a P-256 private key in base64url (the `privateKey` of `npx web-push generate-vapid-keys`). Empty: one is generated on first start and kept in the database, shared by every instance.',
    default: '',
    parse: parseVapidPrivateKey,
  },
  PUSH_TIMEOUT_MS: {
    doc: 'Web Push: deadline of each request to a push service. A push that misses it is logged and dropped; the request that caused it still succeeds.',
    default: '5000',
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
  GIT_COMMIT: {
    doc: 'Source commit reported by `/__version__`. Unset: the `commit` of a Dockerflow `version.json` in the application folder (written by the build), else the checked-out commit of `.git`, else `unknown`.',
    default: '',
    parse: optional,
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
    throw new ConfigError(`config CONFIG_FILE ${path}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config CONFIG_FILE ${path}: expected a JSON object of settings`);
  }
  const env: Env = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in SETTINGS)) throw new ConfigError(`config CONFIG_FILE ${path}: unknown setting ${key}`);
    if (value === null) continue; // null means "not set", like an absent key
    // A list of objects (OAUTH_CLIENTS) stays JSON; a list of strings becomes a comma list.
    const objects = typeof value === 'object' && (!Array.isArray(value) || value.some((item) => typeof item === 'object'));
    env[key] = objects ? JSON.stringify(value) : Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}

const APP_ROOT = fileURLToPath(new URL('..', import.meta.url));

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(APP_ROOT, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};
const COMMIT_ID = /^[0-9a-f]{7,64}$/i;

/** The commit `.git` in `root` has checked out (a worktree's `.git` file and packed refs included). */
export function gitHeadCommit(root: string): string | undefined {
  let gitDir = resolve(root, '.git');
  try {
    if (statSync(gitDir).isFile()) {
      const pointer = /^gitdir:\s*(.+)$/m.exec(readText(gitDir) ?? '')?.[1]?.trim();
      if (!pointer) return undefined;
      gitDir = isAbsolute(pointer) ? pointer : resolve(root, pointer);
    }
  } catch {
    return undefined;
  }
  const head = readText(resolve(gitDir, 'HEAD'));
  if (!head) return undefined;
  if (COMMIT_ID.test(head)) return head; // detached
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  // A linked worktree keeps its HEAD but shares refs with the main repository.
  const common = readText(resolve(gitDir, 'commondir'));
  const refDirs = [gitDir, ...(common ? [resolve(gitDir, common)] : [])];
  for (const dir of refDirs) {
    const loose = readText(resolve(dir, ref));
    if (loose && COMMIT_ID.test(loose)) return loose;
  }
  for (const dir of refDirs) {
    const packed = readText(resolve(dir, 'packed-refs'));
    const line = packed?.split('\n').find((entry) => entry.endsWith(` ${ref}`));
    const id = line?.split(' ')[0];
    if (id && COMMIT_ID.test(id)) return id;
  }
  return undefined;
}

/** GIT_COMMIT, else Dockerflow's version.json (written at build time), else `.git`, else `unknown`. */
export function sourceCommit(gitCommit: string | undefined, root = APP_ROOT): string {
  if (gitCommit) return gitCommit;
  const versionJson = resolve(root, 'version.json');
  if (existsSync(versionJson)) {
    try {
      const { commit } = JSON.parse(readFileSync(versionJson, 'utf8')) as { commit?: unknown };
      if (typeof commit === 'string' && commit) return commit;
    } catch {
      // fall through to .git
    }
  }
  return gitHeadCommit(root) ?? 'unknown';
}

/** REDIRECT_DOMAINS' default: the host the mailed links already point to. */
function hostOf(contentUrl: string): string {
  return new URL(contentUrl).hostname;
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
      throw new ConfigError(`config ${name}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
  };

  const dataDir = resolve(get('DATA_DIR'));
  const publicUrl = get('PUBLIC_URL') ?? defaultPublicUrl(get('HOST'), get('PORT'));
  const contentUrl = get('CONTENT_URL') ?? publicUrl;
  const redirectDomains = get('REDIRECT_DOMAINS');
  const scryptConcurrency = get('SCRYPT_CONCURRENCY');
  const signupPolicy: SignupPolicy = { mode: get('SIGNUP_POLICY'), ...get('SIGNUP_ALLOWLIST') };
  if (signupPolicy.mode === 'allowlist' && signupPolicy.addresses.size + signupPolicy.domains.size === 0) {
    throw new ConfigError(
      'config SIGNUP_ALLOWLIST: SIGNUP_POLICY=allowlist needs at least one address or @domain (or use SIGNUP_POLICY=closed)',
    );
  }
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
    signupPolicy,
    syncTokenserverUrl: get('SYNC_TOKENSERVER_URL') ?? `${publicUrl}/token`,
    pairingServerUrl: get('PAIRING_SERVER_URL'),
    oauthKeyEncryptionKey: get('OAUTH_KEY_ENCRYPTION_KEY'),
    oauthAccessTokenLifetimeSeconds: get('OAUTH_ACCESS_TOKEN_LIFETIME_SECONDS'),
    oauthClients: get('OAUTH_CLIENTS'),
    oauthBuiltinClients: get('OAUTH_BUILTIN_CLIENTS'),
    oauthDisabledClients: get('OAUTH_DISABLED_CLIENTS'),
    oauthPpidClients: get('OAUTH_PPID_CLIENTS'),
    oauthPpidSalt: get('OAUTH_PPID_SALT'),
    pushAllowLoopback: get('PUSH_ALLOW_LOOPBACK'),
    reminderIntervalMs: get('REMINDER_INTERVAL_SECONDS') * 1000,
    pushVapidPrivateKey: get('PUSH_VAPID_PRIVATE_KEY'),
    pushTimeoutMs: get('PUSH_TIMEOUT_MS'),
    shutdownTimeoutMs: get('SHUTDOWN_TIMEOUT_SECONDS') * 1000,
    dependencyTimeoutMs: get('DEPENDENCY_TIMEOUT_MS'),
    databaseQueryTimeoutMs: get('DATABASE_QUERY_TIMEOUT_MS'),
    startupCheckMs: get('STARTUP_CHECK_SECONDS') * 1000,
    version: packageVersion(),
    commit: sourceCommit(get('GIT_COMMIT')),
  };
}
