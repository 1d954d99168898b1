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
  /** A client-sent payload (`/account/devices/notify`), already validated against the push schema. */
  notify(uid: Buffer, targets: NotifyTargets, payload: object, ttlSeconds: number): Promise<void>;
}
