// Dockerflow endpoints for load balancers and operators.

import type {} from '@fastify/swagger'; // adds `hide` to route schemas
import type { FastifyInstance } from 'fastify';
import { withTimeout } from '../dependencies.js';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

/** Each check is bounded by `timeoutMs`, so a stalled dependency turns the heartbeat into a quick 500, not a hang. */
export function registerDockerflow(app: FastifyInstance, version: string, checks: HealthCheck[], timeoutMs = 2_000): void {
  const hidden = { schema: { hide: true } };

  app.get('/__lbheartbeat__', hidden, async () => ({}));

  app.get('/__version__', hidden, async () => ({ version, commit: process.env.GIT_COMMIT ?? 'unknown' }));

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
