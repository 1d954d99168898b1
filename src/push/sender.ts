// Web Push delivery (PROTOCOL.md §9.2): aes128gcm payloads and VAPID, both by the web-push
// library; the request itself goes out with node:http(s) under a deadline. Every event
// picks its devices, skips those it cannot reach, sends to all of them at once and never
// fails the caller: errors are logged (never the keys, payload or full endpoint URL), and a
// 404/410 marks the endpoint expired so nothing is sent until the device sends a new callback.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from 'pino';
import type { RequestDetails } from 'web-push';
import type { DeviceStore } from '../features/devices/store.js';
import type {
  CommandNotice,
  NotifyTargets,
  PushMetrics,
  PushNotifier,
  PushOutcome,
  PushReason,
  PushRecipients,
  PushTarget,
  VerifyLoginRequest,
} from './model.js';
import { isValidPushPublicKey } from './push-keys.js';
import type { VapidDetails } from './vapid.js';

/**
 * web-push (with its ASN.1 and big-number libraries) is loaded on the first push, not at start:
 * a server whose devices have no push subscription never pays its few MiB of idle memory.
 */
let webPushModule: Promise<typeof import('web-push')> | undefined;
function loadWebPush(): Promise<typeof import('web-push')> {
  webPushModule ??= import('web-push').then((module) => (module as { default?: typeof import('web-push') }).default ?? module);
  return webPushModule;
}

export const PUSH_PAYLOAD_VERSION = 1;

export const PUSH_COMMANDS = {
  deviceConnected: 'fxaccounts:device_connected',
  deviceDisconnected: 'fxaccounts:device_disconnected',
  profileUpdated: 'fxaccounts:profile_updated',
  passwordChanged: 'fxaccounts:password_changed',
  passwordReset: 'fxaccounts:password_reset',
  accountDestroyed: 'fxaccounts:account_destroyed',
  commandReceived: 'fxaccounts:command_received',
  verifyLogin: 'fxaccounts:verify_login',
} as const;

/** Seconds the push service keeps an undelivered message (FxA's values; anything else: 0). */
export const PUSH_TTL = {
  deviceDisconnected: 5 * 3600,
  passwordChanged: 6 * 3600,
  passwordReset: 6 * 3600,
  accountDestroyed: 5 * 3600,
  commandReceived: 6 * 3600,
} as const;

/** Firefox for iOS shows a poor fallback for anything else (FxA's `canSendToIOS`). */
const IOS_COMMANDS: ReadonlySet<string> = new Set([
  PUSH_COMMANDS.commandReceived,
  PUSH_COMMANDS.deviceConnected,
  PUSH_COMMANDS.deviceDisconnected,
]);

export interface PushSenderDeps {
  devices: Pick<DeviceStore, 'listWithUserAgents' | 'markPushEndpointExpired'>;
  vapid: VapidDetails;
  logger: Logger;
  metrics?: PushMetrics;
  /** Deadline of each request to a push service. */
  timeoutMs: number;
}

interface Message {
  reason: PushReason;
  /** null: a payloadless push (the device refetches account state). */
  payload: object | null;
  ttl: number;
}

const hex = (id: Buffer): string => id.toString('hex');

/** The command a payload carries (for the iOS filter); null for payloadless or command-less ones. */
function commandOf(payload: object | null): string | null {
  const command = (payload as { command?: unknown } | null)?.command;
  return typeof command === 'string' ? command : null;
}

/**
 * POSTs one message; resolves with the status. The deadline covers the whole exchange and
 * destroys the socket when it passes (an aborted fetch would leave it open).
 */
function post(endpoint: string, headers: Record<string, string>, body: Buffer | null, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(endpoint);
    const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
    if (!send) {
      reject(new Error(`unsupported push endpoint scheme ${target.protocol}`));
      return;
    }
    const request = send(
      target,
      { method: 'POST', headers: { ...headers, 'content-length': String(body?.length ?? 0) } },
      (response) => {
        response.resume();
        response.on('end', () => {
          clearTimeout(timer);
          resolve(response.statusCode ?? 0);
        });
        response.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        // Cut off mid-response (the deadline, or the service hung up): no 'end' will come.
        response.on('close', () => {
          clearTimeout(timer);
          if (!response.complete) reject(new Error('push service closed the connection mid-response'));
        });
      },
    );
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    request.end(body ?? undefined);
  });
}

/** Where a push went, for logs: the endpoint's path identifies the subscription, so only the origin. */
function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return 'invalid URL';
  }
}

/** An uncompressed P-256 point that works in ECDH, and a 16-byte auth secret. */
function usableKeys(publicKey: string | null, authKey: string | null): boolean {
  if (!publicKey || !authKey || Buffer.from(authKey, 'base64url').length !== 16) return false;
  return isValidPushPublicKey(publicKey);
}

/** VAPID tokens live 12 hours (PROTOCOL.md §9.2) and are re-signed after one. */
const VAPID_TOKEN_LIFETIME_MS = 12 * 3600 * 1000;
const VAPID_TOKEN_REUSE_MS = 3600 * 1000;
/** Push services (audiences) whose token is kept; there are a handful in practice. */
const MAX_VAPID_AUDIENCES = 100;

export class PushSender implements PushNotifier {
  private readonly vapidTokens = new Map<string, { header: string; renewAt: number }>();

  constructor(private readonly deps: PushSenderDeps) {}

  /**
   * `Authorization: vapid t=<JWT>, k=<key>` for the push service at `endpoint`'s origin. Signing
   * the ES256 JWT costs about three times the payload's encryption, so one token per audience is
   * reused for an hour of its 12-hour life (real time: the push service checks it on its clock).
   */
  private vapidAuthorization(webpush: typeof import('web-push'), endpoint: string): string {
    const audience = new URL(endpoint).origin;
    const now = Date.now();
    const cached = this.vapidTokens.get(audience);
    if (cached && now < cached.renewAt) return cached.header;
    const { subject, publicKey, privateKey } = this.deps.vapid;
    const expiresAt = Math.floor((now + VAPID_TOKEN_LIFETIME_MS) / 1000);
    const { Authorization: header } = webpush.getVapidHeaders(audience, subject, publicKey, privateKey, 'aes128gcm', expiresAt);
    if (this.vapidTokens.size >= MAX_VAPID_AUDIENCES) this.vapidTokens.clear();
    this.vapidTokens.set(audience, { header, renewAt: now + VAPID_TOKEN_REUSE_MS });
    return header;
  }

  /** The public key push services see in `Authorization: vapid …, k=` (base64url). */
  get vapidPublicKey(): string {
    return this.deps.vapid.publicKey;
  }

  // ---- events ----------------------------------------------------------------------------------

  async deviceConnected(uid: Buffer, deviceName: string, newDeviceId: Buffer): Promise<void> {
    const devices = await this.devicesOf(uid);
    await this.send(
      uid,
      devices.filter((device) => !device.id.equals(newDeviceId)),
      { reason: 'deviceConnected', payload: this.payload(PUSH_COMMANDS.deviceConnected, { deviceName }), ttl: 0 },
    );
  }

  async deviceDisconnected(uid: Buffer, removed: { id: Buffer; push: PushTarget['push'] }): Promise<void> {
    const devices = (await this.devicesOf(uid)).filter((device) => !device.id.equals(removed.id));
    // Its session is gone with it, so nothing is known of its browser: device_disconnected goes to iOS anyway.
    const gone: PushTarget = { ...removed, sessionTokenId: null, type: null, uaOS: null, uaBrowser: null, verified: true };
    await this.send(uid, [...devices, gone], {
      reason: 'deviceDisconnected',
      payload: this.payload(PUSH_COMMANDS.deviceDisconnected, { id: hex(removed.id) }),
      ttl: PUSH_TTL.deviceDisconnected,
    });
  }

  async commandReceived(uid: Buffer, targetDeviceId: Buffer, notice: CommandNotice): Promise<{ notified: boolean; error?: string }> {
    const target = (await this.devicesOf(uid)).find((device) => device.id.equals(targetDeviceId));
    if (!target) return { notified: false, error: 'unknownDevice' };
    const data: Record<string, unknown> = { command: notice.command, index: notice.index };
    if (notice.sender) data.sender = hex(notice.sender);
    data.url = notice.url;
    const [outcome] = await this.send(uid, [target], {
      reason: 'commandReceived',
      payload: this.payload(PUSH_COMMANDS.commandReceived, data),
      ttl: notice.ttlSeconds,
    });
    return outcome === 'sent' ? { notified: true } : { notified: false, error: outcome };
  }

  async notify(uid: Buffer, targets: NotifyTargets, payload: object | null, ttlSeconds: number): Promise<void> {
    const devices = await this.devicesOf(uid);
    const chosen =
      targets.to === 'all'
        ? devices.filter((device) => !(targets.excluded ?? []).some((id) => id.equals(device.id)))
        : devices.filter((device) => (targets.to as Buffer[]).some((id) => id.equals(device.id)));
    await this.send(uid, chosen, { reason: 'devicesNotify', payload, ttl: ttlSeconds });
  }

  async profileUpdated(uid: Buffer): Promise<void> {
    await this.send(uid, await this.devicesOf(uid), {
      reason: 'profileUpdated',
      payload: this.payload(PUSH_COMMANDS.profileUpdated),
      ttl: 0,
    });
  }

  async passwordChanged(uid: Buffer, originatingDeviceId: Buffer | null): Promise<void> {
    const devices = (await this.devicesOf(uid)).filter((device) => !originatingDeviceId || !device.id.equals(originatingDeviceId));
    await this.send(uid, devices, {
      reason: 'passwordChange',
      payload: this.payload(PUSH_COMMANDS.passwordChanged),
      ttl: PUSH_TTL.passwordChanged,
    });
  }

  async recipients(uid: Buffer): Promise<PushRecipients> {
    return { uid, devices: await this.devicesOf(uid) };
  }

  async passwordReset(recipients: PushRecipients): Promise<void> {
    await this.send(recipients.uid, recipients.devices, {
      reason: 'passwordReset',
      payload: this.payload(PUSH_COMMANDS.passwordReset),
      ttl: PUSH_TTL.passwordReset,
    });
  }

  async accountDestroyed(recipients: PushRecipients): Promise<void> {
    await this.send(recipients.uid, recipients.devices, {
      reason: 'accountDestroyed',
      payload: this.payload(PUSH_COMMANDS.accountDestroyed, { uid: hex(recipients.uid) }),
      ttl: PUSH_TTL.accountDestroyed,
    });
  }

  async accountVerify(uid: Buffer): Promise<void> {
    await this.send(uid, await this.devicesOf(uid), { reason: 'accountVerify', payload: null, ttl: 0 });
  }

  async accountConfirm(uid: Buffer): Promise<void> {
    await this.send(uid, await this.devicesOf(uid), { reason: 'accountConfirm', payload: null, ttl: 0 });
  }

  async verifyLogin(uid: Buffer, askingSessionId: Buffer, request: VerifyLoginRequest): Promise<boolean> {
    // FxA: desktop Firefox only, never the asking device. Here also only devices of confirmed
    // sessions: the message carries the code, and an unconfirmed device may be the one asking.
    const devices = (await this.devicesOf(uid)).filter(
      (device) =>
        device.verified &&
        device.type === 'desktop' &&
        device.uaBrowser === 'Firefox' &&
        !(device.sessionTokenId && device.sessionTokenId.equals(askingSessionId)),
    );
    const outcomes = await this.send(uid, devices, {
      reason: 'verifyLoginRequest',
      payload: this.payload(PUSH_COMMANDS.verifyLogin, { title: request.title, body: request.body, url: request.url }),
      ttl: 0,
    });
    return outcomes.includes('sent');
  }

  // ---- delivery --------------------------------------------------------------------------------

  /** FxA's message shape; `data` only when the command has some. */
  private payload(command: string, data?: object): object {
    return data === undefined ? { version: PUSH_PAYLOAD_VERSION, command } : { version: PUSH_PAYLOAD_VERSION, command, data };
  }

  /** The account's devices with what picking recipients needs: the subscription and the session's user agent and state. */
  private async devicesOf(uid: Buffer): Promise<PushTarget[]> {
    const listed = await this.deps.devices.listWithUserAgents(uid);
    return listed.map(({ device, userAgent, sessionConfirmed }) => ({
      id: device.id,
      sessionTokenId: device.sessionTokenId,
      type: device.type,
      push: device.push,
      uaOS: userAgent?.uaOS ?? null,
      uaBrowser: userAgent?.uaBrowser ?? null,
      // Devices of refresh tokens count as confirmed: only confirmed sessions get those.
      verified: device.sessionTokenId === null || sessionConfirmed,
    }));
  }

  /** Sends to every device at once; one outcome per device, in order. Never rejects. */
  private async send(uid: Buffer, devices: readonly PushTarget[], message: Message): Promise<PushOutcome[]> {
    const body = message.payload === null ? null : Buffer.from(JSON.stringify(message.payload), 'utf8');
    const command = commandOf(message.payload);
    return Promise.all(
      devices.map(async (device) => {
        let outcome: PushOutcome;
        try {
          outcome = await this.deliver(uid, device, message, body, command);
        } catch (err) {
          // Only a failure of the bookkeeping itself (e.g. the database while marking expiry) gets here.
          this.deps.logger.error({ err, reason: message.reason, deviceId: hex(device.id) }, 'push bookkeeping failed');
          outcome = 'failed';
        }
        this.deps.metrics?.pushed(message.reason, outcome);
        return outcome;
      }),
    );
  }

  private async deliver(
    uid: Buffer,
    device: PushTarget,
    message: Message,
    body: Buffer | null,
    command: string | null,
  ): Promise<PushOutcome> {
    const { logger } = this.deps;
    const context = { reason: message.reason, uid: hex(uid), deviceId: hex(device.id) };
    const push = device.push;
    if (device.uaOS?.toLowerCase() === 'ios' && !(command !== null && IOS_COMMANDS.has(command))) return 'unsupported';
    if (!push) return 'noCallback';
    if (push.endpointExpired) return 'expiredCallback';
    if (body && (!push.publicKey || !push.authKey)) return 'noKeys';

    let request: RequestDetails;
    try {
      const webpush = await loadWebPush();
      request = webpush.generateRequestDetails(
        { endpoint: push.callback, keys: { p256dh: push.publicKey ?? '', auth: push.authKey ?? '' } },
        body ?? undefined,
        {
          TTL: message.ttl,
          contentEncoding: 'aes128gcm',
          // Our cached token; web-push signs one only when given vapidDetails (never set globally here).
          headers: { Authorization: this.vapidAuthorization(webpush, push.callback) },
        },
      );
    } catch (err) {
      if (body && !usableKeys(push.publicKey, push.authKey)) {
        // Registration checks keys, so this is an old or corrupt row: like FxA, ask the device to subscribe again.
        logger.warn(context, 'push keys unusable; endpoint marked expired');
        await this.deps.devices.markPushEndpointExpired(uid, device.id, push.callback);
        return 'resetCallback';
      }
      logger.error({ ...context, err: (err as Error).message }, 'push request could not be built');
      return 'failed';
    }

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name.toLowerCase() !== 'content-length') headers[name] = String(value);
    }
    const origin = originOf(push.callback);
    let status: number;
    try {
      status = await post(request.endpoint, headers, request.body, this.deps.timeoutMs);
    } catch (err) {
      const cause = (err as { code?: string }).code;
      logger.warn({ ...context, pushService: origin, err: (err as Error).message, cause }, 'push delivery failed');
      return 'failed';
    }
    if (status >= 200 && status < 300) return 'sent';
    if (status === 404 || status === 410) {
      logger.info({ ...context, pushService: origin, status }, 'push endpoint gone; marked expired');
      await this.deps.devices.markPushEndpointExpired(uid, device.id, push.callback);
      return 'resetCallback';
    }
    logger.warn({ ...context, pushService: origin, status }, 'push service refused the message');
    return 'failed';
  }
}
