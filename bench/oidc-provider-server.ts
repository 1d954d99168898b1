// The baseline of the OAuth figures (README "Benchmarks"): oidc-provider (npm, the certified
// OpenID Connect provider for Node) in its own process, configured like our token endpoints as
// far as it goes:
//   - its default in-memory adapter (an LRU map; ours reads its database, SQLite by default);
//   - one confidential client (client_secret_basic) with the client_credentials grant;
//   - features.introspection on, features.jwtIntrospection off (plain JSON answers);
//   - two resource indicators: urn:bench:opaque (opaque access tokens) and urn:bench:jwt
//     (accessTokenFormat 'jwt', RS256 with an RSA-2048 key, as ours).
// It runs under the same node flags as our server (package.json config.serverNodeFlags), plus
// `--import tsx` to load this file (no cost per request: oidc-provider itself is plain JS).
//
// Parent side: startOidcProvider() spawns it on a free port, mints tokens and builds the raw
// introspection requests the load generator sends. Child side: this file with CHILD_FLAG.

import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, processCpuMs, ROOT, serverNodeFlags, waitUntilUp } from './server.js';

const CHILD_FLAG = '--bench-oidc-provider-child';

export const OIDC_CLIENT = { id: 'bench-rs', secret: 'bench-rs-secret-0123456789abcdef' };
export const OIDC_SCOPE = 'api:read';
export const OIDC_RESOURCES = { opaque: 'urn:bench:opaque', jwt: 'urn:bench:jwt' } as const;
export type OidcTokenFormat = keyof typeof OIDC_RESOURCES;

const basic = `Basic ${Buffer.from(`${encodeURIComponent(OIDC_CLIENT.id)}:${encodeURIComponent(OIDC_CLIENT.secret)}`).toString('base64')}`;

export interface OidcProviderServer {
  pid: number;
  port: number;
  origin: string;
  output(): string;
  cpuMs(): number;
  /** `count` access tokens from the client_credentials grant for the format's resource indicator. */
  mint(format: OidcTokenFormat, count: number): Promise<string[]>;
  /** POST /token/introspection once: status and parsed body. */
  introspect(token: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The raw HTTP/1.1 request the load generator sends to introspect `token`. */
  introspectionRequest(token: string): string;
  stop(): Promise<void>;
}

export async function startOidcProvider(options: { nodeArgs?: string[] } = {}): Promise<OidcProviderServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), NODE_ENV: 'production' };
  delete env.UV_THREADPOOL_SIZE;
  delete env.NODE_OPTIONS;
  const child: ChildProcess = spawn(
    process.execPath,
    [...serverNodeFlags(), ...(options.nodeArgs ?? []), '--import', 'tsx', fileURLToPath(import.meta.url), CHILD_FLAG],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
  };

  try {
    await waitUntilUp(origin, 20_000, () => exited, '/.well-known/openid-configuration');
  } catch (err) {
    await stop();
    throw new Error(`oidc-provider did not start: ${(err as Error).message}\n${output}`, { cause: err });
  }

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const post = async (path: string, body: string) => {
    const response = await fetch(`${origin}${path}`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  return {
    pid: child.pid!,
    port,
    origin,
    output: () => output,
    cpuMs: () => processCpuMs(child.pid!),
    async mint(format, count) {
      const tokens: string[] = [];
      for (let i = 0; i < count; i++) {
        const answer = await post(
          '/token',
          form({ grant_type: 'client_credentials', scope: OIDC_SCOPE, resource: OIDC_RESOURCES[format] }),
        );
        const token = answer.body.access_token;
        if (answer.status !== 200 || typeof token !== 'string') {
          throw new Error(`oidc-provider token: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
        tokens.push(token);
      }
      return tokens;
    },
    introspect: (token) => post('/token/introspection', form({ token })),
    introspectionRequest(token) {
      const body = form({ token });
      return (
        `POST /token/introspection HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${basic}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
      );
    },
    stop,
  };
}

// ---- child side --------------------------------------------------------------------------------

async function serve(): Promise<void> {
  const { default: Provider, errors } = await import('oidc-provider');
  const port = Number(process.env.PORT);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' };
  const resourceServers: Record<string, Record<string, unknown>> = {
    [OIDC_RESOURCES.opaque]: {
      scope: OIDC_SCOPE,
      audience: OIDC_RESOURCES.opaque,
      accessTokenTTL: 3600,
      accessTokenFormat: 'opaque',
    },
    [OIDC_RESOURCES.jwt]: {
      scope: OIDC_SCOPE,
      audience: OIDC_RESOURCES.jwt,
      accessTokenTTL: 3600,
      accessTokenFormat: 'jwt',
      jwt: { sign: { alg: 'RS256' } },
    },
  };
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [
      {
        client_id: OIDC_CLIENT.id,
        client_secret: OIDC_CLIENT.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['bench-oidc-provider-cookie-key'] },
    // The resource server's accessTokenTTL (stated so the provider does not warn about its default).
    ttl: {
      ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? 600,
    },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // The default policy, stated so the provider does not warn that it is unset.
        allowedPolicy: async (
          ctx: { oidc: { client: { clientId: string; clientAuthMethod: string } } },
          _client: unknown,
          token: { clientId: string },
        ) => !(ctx.oidc.client.clientAuthMethod === 'none' && token.clientId !== ctx.oidc.client.clientId),
      },
      jwtIntrospection: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          const info = resourceServers[indicator];
          if (!info) throw new errors.InvalidTarget();
          return info;
        },
      },
    },
  });
  provider.listen(port, '127.0.0.1');
}

if (process.argv.includes(CHILD_FLAG)) {
  serve().catch((err: unknown) => {
    process.stderr.write(`oidc-provider baseline failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
