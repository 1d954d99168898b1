// What services need to know about the request, without seeing HTTP objects.

import type { FastifyRequest } from 'fastify';
import type { MetricsContext } from '../protocol/metrics-context.js';

export interface RequestContext {
  ip: string;
  userAgent: string | undefined;
  /** The trimmed Accept-Language header (also what an account stores as its locale). */
  acceptLanguage: string | undefined;
  metricsContext: MetricsContext | undefined;
  /** The `service` the client acts for (body wins over query, as in FxA). */
  service: string | undefined;
}

const MAX_LANGUAGE_HEADER = 255;

/** FxA keeps whole language ranges while the header stays under 255 characters. */
export function trimAcceptLanguage(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (trimmed.length < MAX_LANGUAGE_HEADER + 1) return trimmed || undefined;
  let kept = '';
  for (const part of trimmed.split(',')) {
    const next = kept ? `${kept},${part}` : part;
    if (next.length >= MAX_LANGUAGE_HEADER) break;
    kept = next;
  }
  return kept || undefined;
}

export function requestContext(
  request: FastifyRequest,
  extra: { metricsContext?: MetricsContext; service?: string } = {},
): RequestContext {
  const query = request.query as { service?: string } | undefined;
  return {
    ip: request.ip,
    userAgent: request.headers['user-agent'],
    acceptLanguage: trimAcceptLanguage(request.headers['accept-language']),
    metricsContext: extra.metricsContext,
    service: extra.service ?? query?.service,
  };
}
