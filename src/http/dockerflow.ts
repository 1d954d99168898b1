// Dockerflow endpoints for load balancers and operators.

import type {} from '@fastify/swagger'; // adds `hide` to route schemas
import type { FastifyInstance } from 'fastify';
import { withTimeout } from '../dependencies.js';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface DockerflowOptions {
  version: string;
  /** The source commit (config GIT_COMMIT, else version.json or .git; see src/config.ts). */
  commit: string;
  checks: HealthCheck[];
  /** Bound on each check, so a stalled dependency turns the heartbeat into a quick 500, not a hang. */
  timeoutMs: number;
}

export function registerDockerflow(app: FastifyInstance, { version, commit, checks, timeoutMs }: DockerflowOptions): void {
  const hidden = { schema: { hide: true } };

  app.get('/__lbheartbeat__', hidden, async () => ({}));

  app.get('/__version__', hidden, async () => ({ version, commit }));

  app.get('/__heartbeat__', hidden, async (request, reply) => {
    const results: Record<string, string> = {};
    await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), timeoutMs, name);
          results[name] = 'ok';
        } catch (err) {
          request.log.error({ err, check: name }, 'heartbeat check failed');
          results[name] = 'error';
        }
      }),
    );
    const healthy = Object.values(results).every((r) => r === 'ok');
    return reply.status(healthy ? 200 : 500).send(results);
  });
}
