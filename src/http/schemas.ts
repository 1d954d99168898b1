// Request/response schema building blocks shared by every route (FxA's
// lib/routes/validators). They drive validation and the served OpenAPI document.

import { Type, type TSchema, type TString } from '@sinclair/typebox';

export const HEX_STRING = '^(?:[a-fA-F0-9]{2})+$';
export const DISPLAY_SAFE_UNICODE =
  '^(?:[^\\u0000-\\u001F\\u007F\\u0080-\\u009F\\u2028-\\u2029\\uD800-\\uDFFF\\uE000-\\uF8FF\\uFFF9-\\uFFFC\\uFFFE-\\uFFFF])*$';

/** Hex of an exact byte length (accepted in either case). */
export const hex = (bytes: number, description?: string): TString =>
  Type.String({ pattern: HEX_STRING, minLength: bytes * 2, maxLength: bytes * 2, description });

/** Any even-length hex (responses). */
export const hexOut = (description?: string): TString => Type.String({ pattern: HEX_STRING, description });

export const email = (description = 'Email address'): TString =>
  Type.String({ format: 'fxa-email', maxLength: 255, description });

export const authPW = hex(32, 'The stretched password (PROTOCOL §1)');
export const wrapKb = hex(32);

export const clientSalt = Type.String({
  pattern: '^identity\\.mozilla\\.com\\/picl\\/v1\\/quickStretch:|^identity\\.mozilla\\.com\\/picl\\/v1\\/quickStretchV2:',
  maxLength: 128,
});

export const service = Type.String({ maxLength: 16, pattern: '^[a-zA-Z0-9\\-]*$' });

export const VERIFICATION_METHODS = ['email', 'email-otp', 'email-2fa', 'email-captcha', 'totp-2fa'] as const;
export const verificationMethod = Type.Union(
  VERIFICATION_METHODS.map((m) => Type.Literal(m)),
  { description: 'How a new sign-in should be confirmed' },
);

const utm = Type.String({ maxLength: 128, pattern: '^[\\w\\/.%-]+$' });
const entrypoint = Type.String({ maxLength: 128, pattern: '^[\\w.:-]+$' });

export const metricsContext = Type.Object(
  {
    deviceId: Type.Optional(hex(16)),
    entrypoint: Type.Optional(entrypoint),
    entrypointExperiment: Type.Optional(entrypoint),
    entrypointVariation: Type.Optional(entrypoint),
    flowId: Type.Optional(hex(32)),
    flowBeginTime: Type.Optional(Type.Integer({ exclusiveMinimum: 0 })),
    utmCampaign: Type.Optional(utm),
    utmContent: Type.Optional(utm),
    utmMedium: Type.Optional(utm),
    utmSource: Type.Optional(utm),
    utmTerm: Type.Optional(utm),
    productId: Type.Optional(Type.String({ maxLength: 128 })),
    planId: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false, dependencies: { flowId: ['flowBeginTime'], flowBeginTime: ['flowId'] } },
);

/** Where the web page sends the user after a mailed link: an http(s) URL on REDIRECT_DOMAINS (src/http/redirect.ts). */
export const redirectTo = Type.String({
  maxLength: 2048,
  format: 'fxa-redirect-to',
  description: 'http(s) URL on one of the REDIRECT_DOMAINS (or a subdomain); anything else is errno 107',
});
export const resume = Type.String({ maxLength: 2048 });
export const style = Type.Literal('trailhead');

/** `?keys=true` and friends: Joi's boolean accepts the strings true/false. */
export const queryBoolean = Type.Boolean();

/** A request body: unknown keys are dropped, not rejected, so newer clients keep working. */
export const body = <T extends Record<string, TSchema>>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

export const emptyObject = Type.Object({});
