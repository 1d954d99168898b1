// Ajv compilers for route schemas, and the translation of their failures into
// FxA errors: a missing field is errno 108 with `param`, anything else 107 with
// `validation: {source, keys}`. Bodies are never type-coerced ("1" is not a
// number); query strings are, because everything in a URL is text. Formats that
// depend on the deployment (`fxa-redirect-to`: REDIRECT_DOMAINS) are bound when the
// app builds its compiler.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import punycode from 'punycode/punycode.js';
import { AppError } from '../errors.js';
import { isAllowedPushCallback } from '../push/push-urls.js';
import { isAllowedUrl } from './redirect.js';

const EMAIL_LOCAL = /^[A-Z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$/i;
const EMAIL_DOMAIN_LABEL = /^[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?$/i;
// Control characters are exactly what this pattern refuses.
// eslint-disable-next-line no-control-regex
const DISPLAY_SAFE = /^(?:[^\u0000-\u001F\u007F\u0080-\u009F\u2028-\u2029\uD800-\uDFFF\uE000-\uF8FF\uFFF9-\uFFFC\uFFFE-\uFFFF])*$/;

/** FxA's address check: display-safe, a 1–64 char local part, a punycode-able domain with a dot. */
export function isValidEmailAddress(value: string): boolean {
  if (value.length > 255 || !DISPLAY_SAFE.test(value)) return false;
  const parts = value.split('@');
  if (parts.length !== 2) return false;
  const [local, domain] = parts as [string, string];
  try {
    if (!EMAIL_LOCAL.test(punycode.toASCII(local))) return false;
    const asciiDomain = punycode.toASCII(domain);
    if (asciiDomain.length > 255) return false;
    const labels = asciiDomain.split('.');
    return labels.length >= 2 && labels.every((label) => EMAIL_DOMAIN_LABEL.test(label));
  } catch {
    return false;
  }
}

export interface ValidationOptions {
  /** Host names (subdomains included) a `redirectTo` may point to: config.redirectDomains. */
  redirectDomains: readonly string[];
  /** A device's `pushCallback` may also be on a loopback host: config.pushAllowLoopback. */
  pushAllowLoopback?: boolean;
}

function makeAjv(coerceTypes: boolean, options: ValidationOptions): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: true,
    allErrors: false,
    strict: false,
  });
  ajv.addFormat('fxa-email', { type: 'string', validate: isValidEmailAddress });
  ajv.addFormat('fxa-redirect-to', {
    type: 'string',
    validate: (value: string) => isAllowedUrl(value, options.redirectDomains),
  });
  // FxA lets a device send '' (no subscription); anything else must be an allowed push service.
  ajv.addFormat('fxa-push-callback', {
    type: 'string',
    validate: (value: string) => value === '' || isAllowedPushCallback(value, options.pushAllowLoopback ?? false),
  });
  return ajv;
}

export type ValidatorCompiler = (route: { schema: object; httpPart?: string }) => ValidateFunction;

/** The app's schema compiler; one per app, as two apps in one process may allow different domains. */
export function createValidatorCompiler(options: ValidationOptions): ValidatorCompiler {
  const strictAjv = makeAjv(false, options);
  const coercingAjv = makeAjv(true, options);
  return ({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema);
}

const SOURCES: Record<string, string> = { body: 'payload', querystring: 'query', params: 'params', headers: 'headers' };

/** Turns Fastify's schema failure into the FxA error the swagger documents. */
export function validationError(errors: FastifySchemaValidationError[], context: string): AppError {
  const first = errors[0] as ErrorObject | undefined;
  const source = SOURCES[context] ?? context;
  if (!first) return AppError.invalidParameter(source, []);
  const path = first.instancePath.split('/').filter(Boolean);
  if (first.keyword === 'required' && context === 'body') {
    const missing = String((first.params as { missingProperty: string }).missingProperty);
    return AppError.missingParameter([...path, missing].join('.'));
  }
  // A field that needs another (`dependencies`) names the missing one.
  const missing = (first.params as { missingProperty?: string }).missingProperty;
  const key = [...path, ...(missing ? [missing] : [])].join('.') || source;
  return AppError.invalidParameter(source, [key]);
}
