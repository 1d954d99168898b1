// Which URLs may leave this server inside a mail: the `redirectTo` a client asks for
// (FxA's validators.redirectTo(config.smtp.redirectDomain)) and every link the mailer
// renders. Requests are validated with it and the mailer checks again, so a bug cannot
// mail a link that sends the reader to someone else's site.

/** True when `hostname` (as URL parsing gives it: lower case, punycode) is one of `domains` or below one. */
export function isAllowedHost(hostname: string, domains: readonly string[]): boolean {
  return domains.some((domain) => hostname === domain || hostname.endsWith(`.${domain}`));
}

/**
 * An http(s) URL on an allowed host, written exactly as it parses (FxA's rule: no case,
 * port, escaping or backslash differences a browser or the web page might read another
 * way; a bare origin without its trailing slash is fine), and without user info
 * (`https://localhost@evil.example` points at evil.example, and
 * `https://accounts.example@localhost` only looks like it points elsewhere).
 */
export function isAllowedUrl(value: string, domains: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username !== '' || url.password !== '') return false;
  if (url.href !== value && url.origin !== value) return false;
  return isAllowedHost(url.hostname, domains);
}
