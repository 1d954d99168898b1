// Table types. Binary values are Buffers; times are milliseconds since the epoch;
// booleans are stored as 0/1 in every dialect (better-sqlite3 cannot bind JS booleans).
// Rows stay inside the stores: they hand the rest of the code domain types.

import type { Selectable } from 'kysely';

export type Flag = 0 | 1;

export interface AccountsTable {
  uid: Buffer;
  /** The sign-up address with its case kept: the v1 key-stretching salt. */
  email: string;
  normalizedEmail: string;
  emailCode: Buffer;
  emailVerified: Flag;
  verifierVersion: number;
  kA: Buffer;
  wrapWrapKb: Buffer;
  wrapWrapKbVersion2: Buffer | null;
  authSalt: Buffer;
  verifyHash: Buffer;
  verifyHashVersion2: Buffer | null;
  clientSalt: string | null;
  verifierSetAt: number;
  createdAt: number;
  locale: string | null;
  lockedAt: number | null;
  profileChangedAt: number | null;
  keysChangedAt: number | null;
  metricsOptOutAt: number | null;
  disabledAt: number | null;
}

export interface EmailsTable {
  normalizedEmail: string;
  email: string;
  uid: Buffer;
  emailCode: Buffer;
  isVerified: Flag;
  isPrimary: Flag;
  verifiedAt: number | null;
  createdAt: number;
}

export interface SessionTokensTable {
  tokenId: Buffer;
  tokenData: Buffer;
  uid: Buffer;
  createdAt: number;
  lastAccessTime: number;
  authAt: number;
  uaBrowser: string | null;
  uaBrowserVersion: string | null;
  uaOS: string | null;
  uaOSVersion: string | null;
  uaDeviceType: string | null;
  uaFormFactor: string | null;
  /** Present while the session awaits confirmation (docs/protocol.md §3.2). */
  tokenVerificationId: Buffer | null;
  mustVerify: Flag;
  verificationMethod: number | null;
  verifiedAt: number | null;
}

export interface KeyFetchTokensTable {
  tokenId: Buffer;
  authKey: Buffer;
  uid: Buffer;
  /** kA‖wrapKb bundled at creation (docs/protocol.md §5). */
  keyBundle: Buffer;
  createdAt: number;
  /** Shared with the session it was issued with, so confirming one unlocks both. */
  tokenVerificationId: Buffer | null;
}

export interface SecurityEventsTable {
  uid: Buffer;
  name: string;
  verified: Flag;
  ipAddrHmac: Buffer;
  tokenVerificationId: Buffer | null;
  createdAt: number;
}

export interface ServerSecretsTable {
  name: string;
  value: Buffer;
}

export interface RemindersTable {
  uid: Buffer;
  kind: string;
  dueAt: number;
  claimedUntil: number | null;
  flowId: string | null;
  flowBeginTime: number | null;
}

export interface OauthSigningKeysTable {
  kid: string;
  /** 'active' | 'next'; null once retired. */
  role: string | null;
  publicJwk: string;
  privateJwk: string | null;
  createdAt: number;
  retiredAt: number | null;
}

export interface OauthClientsTable {
  id: Buffer;
  hashedSecret: Buffer | null;
  hashedSecretPrevious: Buffer | null;
  name: string;
  imageUri: string;
  /** Comma-separated; the first is the default. */
  redirectUri: string;
  /** Space-separated. */
  allowedScopes: string;
  trusted: Flag;
  canGrant: Flag;
  publicClient: Flag;
  jwtAccessTokens: Flag;
  rotateRefreshTokens: Flag;
  createdAt: number;
}

export interface OauthCodesTable {
  codeHash: Buffer;
  clientId: Buffer;
  uid: Buffer;
  scope: string;
  authAt: number;
  amr: string;
  aal: number;
  offline: Flag;
  codeChallenge: string | null;
  keysJwe: string | null;
  sessionTokenId: Buffer | null;
  createdAt: number;
}

export interface OauthRefreshTokensTable {
  tokenHash: Buffer;
  clientId: Buffer;
  uid: Buffer;
  scope: string;
  authAt: number;
  amr: string;
  aal: number;
  familyId: Buffer;
  rotatedAt: number | null;
  createdAt: number;
  lastUsedAt: number;
}

export interface OauthAccessTokensTable {
  tokenHash: Buffer;
  clientId: Buffer;
  uid: Buffer;
  scope: string;
  familyId: Buffer | null;
  generation: number;
  profileChangedAt: number | null;
  createdAt: number;
  expiresAt: number;
}

export interface ProfilesTable {
  uid: Buffer;
  displayName: string | null;
}

export interface DevicesTable {
  uid: Buffer;
  id: Buffer;
  sessionTokenId: Buffer | null;
  refreshTokenId: Buffer | null;
  name: string | null;
  type: string | null;
  createdAt: number;
  pushCallback: string | null;
  pushPublicKey: string | null;
  pushAuthKey: string | null;
  pushEndpointExpired: Flag;
  /** JSON object of command name → data. */
  availableCommands: string;
  lastAccessTime: number | null;
  lastCommandIndex: number;
}

export interface DeviceCommandsTable {
  uid: Buffer;
  deviceId: Buffer;
  idx: number;
  command: string;
  /** JSON. */
  payload: string;
  sender: Buffer | null;
  createdAt: number;
  expiresAt: number;
}

export interface Database {
  accounts: AccountsTable;
  emails: EmailsTable;
  sessionTokens: SessionTokensTable;
  keyFetchTokens: KeyFetchTokensTable;
  securityEvents: SecurityEventsTable;
  serverSecrets: ServerSecretsTable;
  reminders: RemindersTable;
  oauthSigningKeys: OauthSigningKeysTable;
  oauthClients: OauthClientsTable;
  oauthCodes: OauthCodesTable;
  oauthRefreshTokens: OauthRefreshTokensTable;
  oauthAccessTokens: OauthAccessTokensTable;
  profiles: ProfilesTable;
  devices: DevicesTable;
  deviceCommands: DeviceCommandsTable;
}

export const TABLES = [
  'accounts',
  'emails',
  'sessionTokens',
  'keyFetchTokens',
  'securityEvents',
  'serverSecrets',
  'reminders',
  'oauthSigningKeys',
  'oauthClients',
  'oauthCodes',
  'oauthRefreshTokens',
  'oauthAccessTokens',
  'profiles',
  'devices',
  'deviceCommands',
] as const;

export type AccountRow = Selectable<AccountsTable>;
export type EmailRow = Selectable<EmailsTable>;
export type SessionRow = Selectable<SessionTokensTable>;
export type KeyFetchRow = Selectable<KeyFetchTokensTable>;
export type SecurityEventRow = Selectable<SecurityEventsTable>;
export type ReminderRow = Selectable<RemindersTable>;
export type SigningKeyRow = Selectable<OauthSigningKeysTable>;
export type OauthClientRow = Selectable<OauthClientsTable>;
export type OauthCodeRow = Selectable<OauthCodesTable>;
export type OauthRefreshTokenRow = Selectable<OauthRefreshTokensTable>;
export type OauthAccessTokenRow = Selectable<OauthAccessTokensTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type DeviceCommandRow = Selectable<DeviceCommandsTable>;

export const flag = (value: boolean): Flag => (value ? 1 : 0);

/** The user-agent columns of `sessionTokens` joined as `s`, for the queries that select them. */
export const SESSION_USER_AGENT_COLUMNS = [
  's.uaBrowser',
  's.uaBrowserVersion',
  's.uaOS',
  's.uaOSVersion',
  's.uaDeviceType',
  's.uaFormFactor',
] as const;
