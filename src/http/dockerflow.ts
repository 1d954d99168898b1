// Dockerflow endpoints for load balancers and operators.

import type {} from '@fastify/swagger'; // adds `hide` to route schemas
import type { FastifyInstance } from 'fastify';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

/** `commit`: the source commit (config GIT_COMMIT, else version.json or .git; see src/config.ts). */
export function registerDockerflow(app: FastifyInstance, version: string, checks: HealthCheck[], commit = 'unknown'): void {
  const hidden = { schema: { hide: true } };

  app.get('/__lbheartbeat__', hidden, async () => ({}));

  app.get('/__version__', hidden, async () => ({ version, commit }));

  app.get('/__heartbeat__', hidden, async (request, reply) => {
    const results: Record<string, string> = {};
    await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await check();
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
