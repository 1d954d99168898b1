// Request/response schema building blocks shared by every route (FxA's
// lib/routes/validators). They drive validation and the served OpenAPI document.

import { Type, type TSchema, type TString } from '@sinclair/typebox';
import { VERIFICATION_METHODS } from '../protocol/verification.js';

export const HEX_STRING = '^(?:[a-fA-F0-9]{2})+$';
export const DISPLAY_SAFE_UNICODE =
  '^(?:[^\\u0000-\\u001F\\u007F\\u0080-\\u009F\\u2028-\\u2029\\uD800-\\uDFFF\\uE000-\\uF8FF\\uFFF9-\\uFFFC\\uFFFE-\\uFFFF])*$';

/** Hex of an exact byte length (accepted in either case). */
export const hex = (bytes: number, description?: string): TString =>
  Type.String({ pattern: HEX_STRING, minLength: bytes * 2, maxLength: bytes * 2, description });

/** Any even-length hex (responses). */
export const hexOut = (description?: string): TString => Type.String({ pattern: HEX_STRING, description });

export const email = (description = 'Email address'): TString => Type.String({ format: 'fxa-email', maxLength: 255, description });

export const authPW = hex(32, 'The stretched password (docs/protocol.md §1)');
export const wrapKb = hex(32);

export const clientSalt = Type.String({
  pattern: '^identity\\.mozilla\\.com\\/picl\\/v1\\/quickStretch:|^identity\\.mozilla\\.com\\/picl\\/v1\\/quickStretchV2:',
  maxLength: 128,
});

export const service = Type.String({ maxLength: 16, pattern: '^[a-zA-Z0-9\\-]*$' });

export const verificationMethod = Type.Union(
  VERIFICATION_METHODS.map((m) => Type.Literal(m)),
  { description: 'How a new sign-in should be confirmed' },
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
export const body = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: false });

export const emptyObject = Type.Object({});
