// What `/account/attached_clients` and `/account/sessions` show (PROTOCOL.md §9.4): pure
// functions over the account's devices, OAuth authorisations and sessions, as FxA's
// ConnectedServicesFactory merges them. No I/O; the service hands in the three lists.
//
// Session ids arrive here already replaced by their opaque handles (see attached-service.ts):
// nothing in this file ever sees a raw sessionTokenId.

import type { AuthorizedClient } from '../oauth/service.js';
import type { UserAgentFields } from '../../http/user-agent.js';
import { formatTimes, type FormattedTimes } from '../../protocol/relative-time.js';

/** A device record as the merge needs it (ids in hex; `sessionTokenId` is the session's handle). */
export interface DeviceEntry {
  id: string;
  sessionTokenId: string | null;
  refreshTokenId: string | null;
  name: string | null;
  type: string | null;
  createdAt: number;
  lastAccessTime: number | null;
}

/** One line of the OAuth authorized-clients list (a refresh token, or a client's access tokens merged). */
export type OAuthEntry = Pick<
  AuthorizedClient,
  'client_id' | 'refresh_token_id' | 'client_name' | 'created_time' | 'last_access_time' | 'scope'
>;

/** A live session (`id` is its handle). */
export interface SessionEntry {
  id: string;
  createdAt: number;
  lastAccessTime: number;
  userAgent: UserAgentFields;
}

/** Where a client was last seen. We keep no geo-IP data, so it is always empty, as FxA's is without a location. */
export interface ClientLocation {
  city?: string;
  country?: string;
  countryCode?: string;
  state?: string;
  stateCode?: string;
}

export interface AttachedClient extends FormattedTimes {
  clientId: string | null;
  deviceId: string | null;
  sessionTokenId: string | null;
  refreshTokenId: string | null;
  isCurrentSession: boolean;
  deviceType: string | null;
  name: string | null;
  createdTime: number;
  lastAccessTime: number;
  scope: string[] | null;
  location: ClientLocation;
  userAgent: string;
  os: string | null;
}

/** How a response formats its times: the request's language and the server's clock. */
export interface Presentation {
  now: number;
  language: string;
}

/** FxA's name for a client without one: "Firefox 130, Windows 10", "Firefox 129, iPad", "Chrome". */
export function synthesizeName(ua: UserAgentFields): string {
  let name = '';
  if (ua.uaBrowser) {
    name = ua.uaBrowserVersion ? `${ua.uaBrowser} ${ua.uaBrowserVersion.split('.')[0]}` : ua.uaBrowser;
    if (ua.uaOS || ua.uaFormFactor) name += ', ';
  }
  if (ua.uaFormFactor) return name + ua.uaFormFactor;
  if (ua.uaOS) name += ua.uaOSVersion ? `${ua.uaOS} ${ua.uaOSVersion}` : ua.uaOS;
  return name;
}

/** `"<browser> <major>"`, the browser alone without a version, '' without a browser. */
export function userAgentLabel(ua: UserAgentFields): string {
  if (!ua.uaBrowser) return '';
  if (!ua.uaBrowserVersion) return ua.uaBrowser;
  return `${ua.uaBrowser} ${ua.uaBrowserVersion.split('.')[0]}`;
}

function blankClient(): AttachedClient {
  return {
    clientId: null,
    deviceId: null,
    sessionTokenId: null,
    refreshTokenId: null,
    isCurrentSession: false,
    deviceType: null,
    name: null,
    createdTime: Infinity,
    lastAccessTime: 0,
    scope: null,
    location: {},
    userAgent: '',
    os: null,
  };
}

export interface AttachedClientsInput {
  devices: readonly DeviceEntry[];
  oauthClients: readonly OAuthEntry[];
  sessions: readonly SessionEntry[];
  /** The handle of the session making the request. */
  currentSessionId: string;
}

/**
 * The merged list, in FxA's order: every device, then the OAuth authorisations no device
 * holds, then the sessions no device holds.
 *
 * 1. Devices: ids, type and name; both times start at the device's last access (its creation
 *    time until it has one). Its refreshTokenId is only shown once step 2 finds the token: a
 *    device may outlive its token (revoking the token keeps the device).
 * 2. OAuth authorisations join the device holding their refresh token, else become entries:
 *    clientId and scope, created = the earliest, last access = the latest; the client's name
 *    when there is none; a device that registered through OAuth and sent no type is `mobile`.
 * 3. Sessions join the device holding them, else become entries: min/max times,
 *    isCurrentSession, `scope = null` (a session may grant itself any scope), the session's OS,
 *    `userAgent = "<browser> <major>"`, a name synthesised from the user agent when none.
 * 4. Devices still without a type are `desktop`; "Mac OS X" in a name reads "macOS"; the
 *    `*Formatted` times are added.
 */
export function mergeAttachedClients(input: AttachedClientsInput, presentation: Presentation): AttachedClient[] {
  const clients: AttachedClient[] = [];
  const bySession = new Map<string, AttachedClient>();
  const byRefreshToken = new Map<string, AttachedClient>();

  for (const device of input.devices) {
    const lastSeen = device.lastAccessTime ?? device.createdAt;
    const client: AttachedClient = {
      ...blankClient(),
      deviceId: device.id,
      sessionTokenId: device.sessionTokenId,
      deviceType: device.type,
      name: device.name,
      createdTime: device.createdAt,
      lastAccessTime: lastSeen,
    };
    clients.push(client);
    if (device.sessionTokenId) bySession.set(device.sessionTokenId, client);
    if (device.refreshTokenId) byRefreshToken.set(device.refreshTokenId, client);
  }

  for (const authorization of input.oauthClients) {
    const refreshTokenId = authorization.refresh_token_id ?? null;
    let client = refreshTokenId === null ? undefined : byRefreshToken.get(refreshTokenId);
    if (!client) {
      client = { ...blankClient(), createdTime: authorization.created_time, lastAccessTime: authorization.last_access_time };
      clients.push(client);
    }
    client.refreshTokenId = refreshTokenId;
    client.clientId = authorization.client_id;
    client.scope = [...authorization.scope];
    client.createdTime = Math.min(client.createdTime, authorization.created_time);
    client.lastAccessTime = Math.max(client.lastAccessTime, authorization.last_access_time);
    if (!client.name) client.name = authorization.client_name;
    if (client.deviceId && !client.deviceType) client.deviceType = 'mobile';
  }

  for (const session of input.sessions) {
    let client = bySession.get(session.id);
    if (!client) {
      client = { ...blankClient(), sessionTokenId: session.id, createdTime: session.createdAt };
      clients.push(client);
    }
    client.createdTime = Math.min(client.createdTime, session.createdAt);
    client.lastAccessTime = Math.max(client.lastAccessTime, session.lastAccessTime);
    client.isCurrentSession = session.id === input.currentSessionId;
    client.scope = null;
    client.location = {};
    client.os = session.userAgent.uaOS || null;
    client.userAgent = userAgentLabel(session.userAgent);
    if (!client.name) client.name = synthesizeName(session.userAgent);
  }

  return clients.map((client) => {
    if (client.deviceId && !client.deviceType) client.deviceType = 'desktop';
    if (client.name) client.name = client.name.replace('Mac OS X', 'macOS');
    return { ...client, ...formatTimes(client, presentation.now, presentation.language) };
  });
}

/** A session with the device registered on it, for `/account/sessions`. */
export interface SessionWithDevice extends SessionEntry {
  device: {
    id: string;
    name: string | null;
    availableCommands: Record<string, string>;
    push: { callback: string; publicKey: string | null; authKey: string | null; endpointExpired: boolean } | null;
  } | null;
}

export interface SessionListing extends FormattedTimes {
  id: string;
  lastAccessTime: number;
  createdTime: number;
  location: ClientLocation;
  userAgent: string;
  os: string | null;
  deviceId: string | null;
  deviceName: string;
  deviceType: string;
  deviceAvailableCommands: Record<string, string> | null;
  deviceCallbackURL: string | null;
  deviceCallbackPublicKey: string | null;
  deviceCallbackAuthKey: string | null;
  deviceCallbackIsExpired: boolean;
  isDevice: boolean;
  isCurrentDevice: boolean;
}

/**
 * The deprecated `/account/sessions` (FxA's shape, field for field): one entry per session with
 * its device's name, commands and push subscription. As in FxA, `deviceType` comes from the
 * session's user agent (mobile/tablet), else `desktop`, not from the device record.
 */
export function listSessions(
  sessions: readonly SessionWithDevice[],
  currentSessionId: string,
  presentation: Presentation,
): SessionListing[] {
  return sessions.map((session) => {
    const { device } = session;
    const listing: SessionListing = {
      id: session.id,
      lastAccessTime: session.lastAccessTime,
      createdTime: session.createdAt,
      location: {},
      userAgent: userAgentLabel(session.userAgent),
      os: session.userAgent.uaOS,
      deviceId: device?.id ?? null,
      deviceName: device?.name || synthesizeName(session.userAgent),
      deviceType: session.userAgent.uaDeviceType || 'desktop',
      deviceAvailableCommands: device ? device.availableCommands : null,
      deviceCallbackURL: device?.push?.callback ?? null,
      deviceCallbackPublicKey: device?.push?.publicKey ?? null,
      deviceCallbackAuthKey: device?.push?.authKey ?? null,
      deviceCallbackIsExpired: device?.push?.endpointExpired ?? false,
      isDevice: device !== null,
      isCurrentDevice: session.id === currentSessionId,
    };
    return { ...listing, ...formatTimes(listing, presentation.now, presentation.language) };
  });
}
