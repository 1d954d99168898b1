// Which push services a device may register (PROTOCOL.md §9.1): FxA's allow-list of Mozilla's
// autopush hosts, and, when PUSH_ALLOW_LOOPBACK is on, a push service on this machine (tests,
// a self-hosted autopush behind loopback). The server sends notifications to these URLs, so
// anything else would let a client make it POST to arbitrary hosts.

/** FxA's `push.allowedServerRegex`, applied to the whole URL as FxA does. */
const MOZILLA_PUSH_SERVICE =
  /^https:\/\/[a-zA-Z0-9._-]+(\.services\.mozilla\.com|autopush\.dev\.mozaws\.net|autopush\.stage\.mozaws\.net)(?::\d+)?(\/.*)?$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_PUSH_CALLBACK_LENGTH = 255;

/**
 * True when `url` may be a device's `pushCallback`: at most 255 characters, written exactly as
 * it parses (FxA refuses anything that does not round-trip: no escapes to normalise, no default
 * port, except the explicit `:443` Firefox desktop writes), https on a Mozilla push host, or
 * http(s) on a loopback host when `allowLoopback`.
 */
export function isAllowedPushCallback(url: string, allowLoopback: boolean): boolean {
  if (url.length > MAX_PUSH_CALLBACK_LENGTH) return false;
  const normalized = /^https:\/\/[a-zA-Z0-9._-]+:443($|\/)/.test(url) ? url.replace(':443', '') : url;
  let parsed: URL;
  try {
    parsed = new URL(normalized);
  } catch {
    return false;
  }
  if (parsed.href !== normalized && parsed.origin !== normalized) return false;
  if (parsed.username || parsed.password) return false;
  if (parsed.protocol === 'https:' && MOZILLA_PUSH_SERVICE.test(url)) return true;
  return allowLoopback && (parsed.protocol === 'https:' || parsed.protocol === 'http:') && LOOPBACK_HOSTS.has(parsed.hostname);
}
