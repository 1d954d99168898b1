// The user-agent facts stored with a session (shown later in device lists and
// sign-in emails). Firefox's own native "…-FxA/…" agents are parsed with FxA's
// pattern; everything else with ua-parser-js. Values that don't look like plain
// names or versions are dropped rather than stored.

import { createRequire } from 'node:module';

export interface UserAgentFields {
  uaBrowser: string | null;
  uaBrowserVersion: string | null;
  uaOS: string | null;
  uaOSVersion: string | null;
  uaDeviceType: string | null;
  uaFormFactor: string | null;
}

/** Just the user-agent fields of a row that has them (a session row, a join with one). */
export function userAgentOf(row: UserAgentFields): UserAgentFields {
  return {
    uaBrowser: row.uaBrowser,
    uaBrowserVersion: row.uaBrowserVersion,
    uaOS: row.uaOS,
    uaOSVersion: row.uaOSVersion,
    uaDeviceType: row.uaDeviceType,
    uaFormFactor: row.uaFormFactor,
  };
}

interface UaParserResult {
  browser: { name?: string; version?: string };
  os: { name?: string; version?: string };
  device: { type?: string; model?: string };
}
type UaParserConstructor = new (ua: string) => { getResult(): UaParserResult };
const UAParser = createRequire(import.meta.url)('ua-parser-js') as UaParserConstructor;

const NATIVE_FXA_AGENT =
  /^(Firefox|Mobile)-(\w+)-(?:FxA(?:ccounts)?|Sync)\/([^\sb]*)(?:b\S+)? ?(?:\(([\w\s]+); [\w\s]+ ([^\s()]+)\))?(?: \((.+)\))?$/;
const SAFE_NAME = /^[\w ]{1,32}$/;
const SAFE_VERSION = /^[\w.]{1,16}$/;

const safeName = (value: string | undefined): string | null => (value && SAFE_NAME.test(value) ? value : null);
const safeVersion = (value: string | undefined): string | null => (value && SAFE_VERSION.test(value) ? value : null);

export const EMPTY_USER_AGENT: UserAgentFields = {
  uaBrowser: null,
  uaBrowserVersion: null,
  uaOS: null,
  uaOSVersion: null,
  uaDeviceType: null,
  uaFormFactor: null,
};

export function parseUserAgent(userAgent: string | undefined): UserAgentFields {
  if (!userAgent) return EMPTY_USER_AGENT;
  const native = NATIVE_FXA_AGENT.exec(userAgent);
  if (native) {
    const [, app, os, version, formFactor, osVersion, browser] = native;
    return {
      uaBrowser: safeName(browser ?? app),
      uaBrowserVersion: safeVersion(version),
      uaOS: safeName(os),
      uaOSVersion: safeVersion(osVersion),
      uaDeviceType: formFactor && /iPad|tablet/i.test(formFactor) ? 'tablet' : 'mobile',
      uaFormFactor: safeName(formFactor),
    };
  }
  const { browser, os, device } = new UAParser(userAgent).getResult();
  return {
    uaBrowser: safeName(browser.name),
    uaBrowserVersion: safeVersion(browser.version),
    uaOS: safeName(os.name),
    uaOSVersion: safeVersion(os.version),
    // FxA reports desktops as null and only distinguishes mobile and tablet.
    uaDeviceType: device.type === 'tablet' || device.type === 'mobile' ? device.type : null,
    uaFormFactor: safeName(device.model),
  };
}
