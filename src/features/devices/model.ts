// Devices as services and routes see them (PROTOCOL.md §9.1).

import type { UserAgentFields } from '../../http/user-agent.js';
import type { SessionToken } from '../session/model.js';

/** Command name → the device's data for it (e.g. its Send Tab keys), stored and returned as sent. */
export type AvailableCommands = Record<string, string>;

export interface PushSubscription {
  callback: string;
  /** base64url P-256 point and auth secret; null for a payloadless-only subscription. */
  publicKey: string | null;
  authKey: string | null;
  /** The push service answered 404/410: nothing is sent until the device updates its callback. */
  endpointExpired: boolean;
}

export interface Device {
  uid: Buffer;
  id: Buffer;
  /** The session token the device was registered with (Firefox desktop). */
  sessionTokenId: Buffer | null;
  /** The refresh token's id (SHA-256 of the token) for devices registered with one (mobile). */
  refreshTokenId: Buffer | null;
  name: string | null;
  type: string | null;
  createdAt: number;
  push: PushSubscription | null;
  availableCommands: AvailableCommands;
  lastAccessTime: number | null;
}

/** A device's fields as a registration or update sets them (undefined: unchanged). */
export interface DeviceChanges {
  name?: string | null;
  type?: string | null;
  pushCallback?: string | null;
  pushPublicKey?: string | null;
  pushAuthKey?: string | null;
  pushEndpointExpired?: boolean;
  availableCommands?: AvailableCommands;
  /**
   * An update binds the device to the token that sent it (FxA: a device id sent with another
   * token of the account moves to it); only the caller's kind of token is set.
   */
  sessionTokenId?: Buffer | null;
  refreshTokenId?: Buffer | null;
}

/**
 * Who calls a device route: a session token (Hawk or `Bearer fxs_…`, Firefox desktop) or an
 * OAuth refresh token (`Bearer <64 hex>`, Firefox for Android and iOS), with the device
 * registered for that token, if any.
 */
export interface DeviceCaller {
  uid: Buffer;
  /** The session token's id; null for a refresh token. */
  sessionTokenId: Buffer | null;
  /** The refresh token's id (SHA-256 of the token); null for a session token. */
  refreshTokenId: Buffer | null;
  /** The OAuth client the refresh token was granted to, and its name. */
  clientId: Buffer | null;
  clientName: string | null;
  /** The device registered with this token when the request was authenticated. */
  deviceId: Buffer | null;
  emailVerified: boolean;
  /** A confirmed session; a refresh token always is (FxA). */
  tokenVerified: boolean;
  /** The session's stored user agent; null for a refresh token. */
  userAgent: UserAgentFields | null;
  /** The session record, for a session token. */
  session: SessionToken | null;
}
