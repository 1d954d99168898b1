// What the features ask of Web Push (PROTOCOL.md §9.2). The sender finds the account's
// devices itself, skips those it cannot reach, and never fails the request that caused a
// notification: delivery errors are logged and, for 404/410, mark the endpoint expired.

import type { PushSubscription } from '../features/devices/model.js';

/** `POST /account/devices/notify`'s addressing. */
export type NotifyTargets = { to: 'all'; excluded?: Buffer[] } | { to: Buffer[] };

export interface CommandNotice {
  command: string;
  index: number;
  /** The sending device's id (hex on the wire), when it has one. */
  sender?: Buffer;
  /** Where the target fetches it: `<PUBLIC_URL>/v1/account/device/commands?index=<index>&limit=1`. */
  url: string;
  ttlSeconds: number;
}

export interface AccountPush {
  /** `fxaccounts:device_connected` to the account's other devices. */
  deviceConnected(uid: Buffer, deviceName: string, newDeviceId: Buffer): Promise<void>;
  /** `fxaccounts:device_disconnected` to every device, the removed one included (pass it: its row is gone). */
  deviceDisconnected(uid: Buffer, removed: { id: Buffer; push: PushSubscription | null }): Promise<void>;
  /** `fxaccounts:command_received` to one device; reports whether it was sent. */
  commandReceived(uid: Buffer, targetDeviceId: Buffer, notice: CommandNotice): Promise<{ notified: boolean; error?: string }>;
  /** A client-sent payload (`/account/devices/notify`), already validated against the push schema; null: payloadless (`accountVerify`). */
  notify(uid: Buffer, targets: NotifyTargets, payload: object | null, ttlSeconds: number): Promise<void>;
}

/** Devices read before a change that removes them (account deletion, password reset), to notify afterwards. */
export interface PushRecipients {
  readonly uid: Buffer;
  readonly devices: readonly PushTarget[];
}

/** A device as the sender sees it: its subscription and what its session tells about the browser. */
export interface PushTarget {
  id: Buffer;
  sessionTokenId: Buffer | null;
  type: string | null;
  push: PushSubscription | null;
  /** The session's user agent (null for devices registered with a refresh token). */
  uaOS: string | null;
  uaBrowser: string | null;
  /** The device's session is confirmed (devices of refresh tokens always are: only confirmed sessions get those). */
  verified: boolean;
}

/** `/session/verify/send_push`'s message (Firefox shows it and opens `url`). */
export interface VerifyLoginRequest {
  title: string;
  body: string;
  url: string;
}

/**
 * Every account event of PROTOCOL.md §9.2, beyond what the device features call. Each
 * resolves once every push is delivered or given up (at most PUSH_TIMEOUT_MS) and never
 * rejects for delivery problems. Call after the change's transaction has committed: the
 * sender reads the devices and marks expired endpoints on the current connection.
 */
export interface PushNotifier extends AccountPush {
  /** `fxaccounts:profile_updated` to every device. */
  profileUpdated(uid: Buffer): Promise<void>;
  /** `fxaccounts:password_changed` to every device except the one that changed it. */
  passwordChanged(uid: Buffer, originatingDeviceId: Buffer | null): Promise<void>;
  /** The devices to notify after a change that deletes them; read before the change. */
  recipients(uid: Buffer): Promise<PushRecipients>;
  /** `fxaccounts:password_reset` to the devices read before the reset. */
  passwordReset(recipients: PushRecipients): Promise<void>;
  /** `fxaccounts:account_destroyed` to the devices read before the deletion. */
  accountDestroyed(recipients: PushRecipients): Promise<void>;
  /** Payloadless push to every device: the account's address was verified. */
  accountVerify(uid: Buffer): Promise<void>;
  /** Payloadless push to every device: a session of the account was confirmed. */
  accountConfirm(uid: Buffer): Promise<void>;
  /**
   * `fxaccounts:verify_login` to the account's confirmed desktop Firefox devices, except the
   * one of the session asking; true when at least one push was delivered.
   */
  verifyLogin(uid: Buffer, askingSessionId: Buffer, request: VerifyLoginRequest): Promise<boolean>;
}

/** FxA's push reasons: the metric label of each event. */
export type PushReason =
  | 'accountVerify'
  | 'accountConfirm'
  | 'passwordReset'
  | 'passwordChange'
  | 'deviceConnected'
  | 'deviceDisconnected'
  | 'profileUpdated'
  | 'devicesNotify'
  | 'accountDestroyed'
  | 'commandReceived'
  | 'verifyLoginRequest';

/** What became of one device's push. */
export type PushOutcome = 'sent' | 'noCallback' | 'expiredCallback' | 'noKeys' | 'unsupported' | 'resetCallback' | 'failed';

export interface PushMetrics {
  pushed(reason: PushReason, outcome: PushOutcome): void;
}
