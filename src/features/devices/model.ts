// Devices as services and routes see them (PROTOCOL.md §9.1).

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
}
