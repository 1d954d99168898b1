// A Web Push service for integration tests: a loopback HTTP server that plays autopush.
// Each subscription gets its own device keys (a P-256 ECDH pair and a 16-byte auth secret),
// as a browser would; every request is recorded with its headers, its VAPID JWT verified
// (ES256, `aud` = this origin, with jose) and its aes128gcm body decrypted (with the
// http_ece package: not our code, so a bug in our sending cannot hide in the checking).
//
//   const sink = await startPushSink();
//   const sub = sink.subscribe();                  // { id, endpoint, publicKey, authKey }
//   …store a device with sub.endpoint / sub.publicKey / sub.authKey…
//   const push = await sink.next((p) => p.subscription === sub.id);
//   push.payload                                   // decrypted JSON, null when payloadless
//   push.ttl, push.vapid?.claims.sub, push.headers['content-encoding']
//   sink.respondWith(sub.id, 410);                 // the endpoint is gone from now on
//   await sink.stop();
//
// Waiting is driven by arrivals, never by the clock: `next` settles when a matching request
// comes in (its timeout only turns a hang into a failure).

import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decrypt } from 'http_ece';
import { importJWK, jwtVerify, type JWTPayload } from 'jose';

export interface SinkSubscription {
  /** Short id the sink files this subscription's requests under. */
  id: string;
  /** The push endpoint (a device's `pushCallback`). */
  endpoint: string;
  /** The device's public key: an uncompressed P-256 point, base64url (`pushPublicKey`). */
  publicKey: string;
  /** The 16-byte auth secret, base64url (`pushAuthKey`). */
  authKey: string;
}

export interface ReceivedPush {
  /** The subscription it was sent to (undefined: a path the sink never handed out). */
  subscription: string | undefined;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** The `TTL` header as a number (NaN when absent or not a number). */
  ttl: number;
  /** The verified VAPID token, or null when it was missing or did not verify (see `vapidError`). */
  vapid: { publicKey: string; claims: JWTPayload } | null;
  vapidError?: string;
  /** The decrypted body parsed as JSON; null for an empty body. */
  payload: unknown;
  /** Why the body could not be decrypted or parsed, if it could not. */
  payloadError?: string;
  /** The status the sink answered. */
  status: number;
}

export interface PushSink {
  /** http://127.0.0.1:<port>: the `aud` every VAPID token must name. */
  origin: string;
  /** Every request received, oldest first. */
  received: ReceivedPush[];
  /** A new subscription with fresh device keys. */
  subscribe(): SinkSubscription;
  /**
   * The first received push matching `predicate` that no earlier call took, waiting for it if
   * needed; rejects after `timeoutMs` (a failure bound, not a delay).
   */
  next(predicate?: (push: ReceivedPush) => boolean, timeoutMs?: number): Promise<ReceivedPush>;
  /** What the sink answers for this subscription from now on (e.g. 404/410); null: back to 201. */
  respondWith(subscriptionId: string, status: number | null): void;
  stop(): Promise<void>;
}

interface Keys {
  ecdh: ECDH;
  authSecret: Buffer;
}

/** The `t` and `k` of `Authorization: vapid t=<jwt>, k=<key>` (RFC 8292 §3). */
function vapidParameters(header: string | undefined): { token: string; key: string } | undefined {
  if (!header) return undefined;
  const match = /^vapid\s+(.*)$/i.exec(header.trim());
  if (!match) return undefined;
  const params = new Map<string, string>();
  for (const part of match[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const token = params.get('t');
  const key = params.get('k');
  return token && key ? { token, key } : undefined;
}

async function verifyVapid(header: string | undefined, audience: string): Promise<ReceivedPush['vapid']> {
  const params = vapidParameters(header);
  if (!params) throw new Error('no `vapid t=…, k=…` Authorization header');
  const point = Buffer.from(params.key, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = await importJWK(
    { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
    'ES256',
  );
  // The push service checks `exp` against its own (real) clock, so the sink does too.
  const { payload } = await jwtVerify(params.token, key, { algorithms: ['ES256'], audience });
  if (typeof payload.exp !== 'number') throw new Error('no exp');
  if (payload.exp - Date.now() / 1000 > 24 * 3600) throw new Error('exp more than 24 hours ahead');
  if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) throw new Error('sub is not mailto: or https:');
  return { publicKey: params.key, claims: payload };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startPushSink(): Promise<PushSink> {
  const keys = new Map<string, Keys>();
  const statuses = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const taken = new Set<ReceivedPush>();
  let waiters: Array<{ offer: (push: ReceivedPush) => boolean; fail: (error: Error) => void }> = [];
  let origin = '';

  async function record(request: IncomingMessage): Promise<ReceivedPush> {
    const body = await readBody(request);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    const id = /^\/push\/([0-9a-f]+)$/.exec(request.url ?? '')?.[1];
    const subscription = id && keys.has(id) ? id : undefined;
    const push: ReceivedPush = {
      subscription,
      headers,
      ttl: headers.ttl === undefined ? NaN : Number(headers.ttl),
      vapid: null,
      payload: null,
      status: 201,
    };
    try {
      push.vapid = await verifyVapid(headers.authorization, origin);
    } catch (err) {
      push.vapidError = (err as Error).message;
    }
    if (body.length > 0) {
      const device = subscription ? keys.get(subscription) : undefined;
      try {
        if (!device) throw new Error('unknown subscription');
        if (headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding ${headers['content-encoding']}`);
        const plain = decrypt(body, {
          version: 'aes128gcm',
          privateKey: device.ecdh,
          authSecret: device.authSecret.toString('base64url'),
        });
        push.payload = JSON.parse(plain.toString('utf8'));
      } catch (err) {
        push.payloadError = (err as Error).message;
      }
    }
    push.status = !subscription ? 404 : push.vapid === null ? 401 : (statuses.get(subscription) ?? 201);
    return push;
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    record(request).then(
      (push) => {
        received.push(push);
        response.writeHead(push.status, { 'content-type': 'application/json' }).end('{}');
        const index = waiters.findIndex((waiter) => waiter.offer(push));
        if (index !== -1) waiters.splice(index, 1);
      },
      () => response.writeHead(500).end(),
    );
  }

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    received,
    subscribe() {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      keys.set(id, { ecdh, authSecret });
      return {
        id,
        endpoint: `${origin}/push/${id}`,
        publicKey: ecdh.getPublicKey().toString('base64url'),
        authKey: authSecret.toString('base64url'),
      };
    },
    async next(predicate = () => true, timeoutMs = 5_000) {
      const matches = (push: ReceivedPush) => !taken.has(push) && predicate(push);
      const ready = received.find(matches);
      if (ready) {
        taken.add(ready);
        return ready;
      }
      return new Promise<ReceivedPush>((resolve, reject) => {
        const offer = (push: ReceivedPush): boolean => {
          let matched: boolean;
          try {
            matched = matches(push);
          } catch (err) {
            clearTimeout(timer);
            reject(err as Error);
            return true;
          }
          if (!matched) return false;
          taken.add(push);
          clearTimeout(timer);
          resolve(push);
          return true;
        };
        const waiter = {
          offer,
          fail(error: Error) {
            clearTimeout(timer);
            reject(error);
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((other) => other !== waiter);
          reject(new Error(`No matching push within ${timeoutMs} ms (${received.length} received in total)`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    respondWith(subscriptionId, status) {
      if (status === null) statuses.delete(subscriptionId);
      else statuses.set(subscriptionId, status);
    },
    stop() {
      for (const waiter of waiters) waiter.fail(new Error('push sink stopped'));
      waiters = [];
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
