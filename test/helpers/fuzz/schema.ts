// JSON Schema (as the server's /openapi.json states it) → fast-check arbitraries of
// values the schema accepts, plus hostile values that no schema should choke on.

import fc from 'fast-check';

/** The subset of JSON Schema the OpenAPI document uses; anything else falls back to any JSON. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  dependencies?: Record<string, string[] | JsonSchema>;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  nullable?: boolean;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

export interface GenerationContext {
  /** Addresses that exist on the server (valid `fxa-email` values are drawn from these sometimes). */
  knownEmails: string[];
  /** An origin `fxa-redirect-to` accepts. */
  redirectOrigin: string;
}

const HEX_PATTERN = /a-fA-F0-9|0-9a-fA-F|0-9a-f|a-f0-9/;
// Longest string generated for a schema without a smaller maxLength (huge strings are the hostile arm's job).
const TYPICAL_MAX = 48;

function hexString(minLength: number, maxLength: number, even: boolean): fc.Arbitrary<string> {
  const hexChar = fc.constantFrom(...'0123456789abcdefABCDEF');
  const lengths = fc.integer({ min: minLength, max: maxLength }).map((n) => (even && n % 2 === 1 ? Math.max(n - 1, 2) : n));
  return lengths.chain((n) => fc.string({ unit: hexChar, minLength: n, maxLength: n }));
}

function emailArbitrary(context: GenerationContext): fc.Arbitrary<string> {
  const local = fc.stringMatching(/^[a-z0-9][a-z0-9.+_-]{0,14}$/);
  const domain = fc.constantFrom('example.com', 'example.org', 'mail.example.net', 'EXAMPLE.com');
  const fresh = fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`);
  if (context.knownEmails.length === 0) return fresh;
  const known = fc.constantFrom(...context.knownEmails);
  return fc.oneof(
    fresh,
    known,
    known.map((e) => e.toUpperCase()),
  );
}

function stringArbitrary(schema: JsonSchema, context: GenerationContext): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? TYPICAL_MAX, Math.max(TYPICAL_MAX, minLength)));
  if (schema.format === 'fxa-email' || schema.format === 'email') return emailArbitrary(context);
  if (schema.format === 'fxa-redirect-to' || schema.format === 'uri') {
    return fc
      .stringMatching(/^[a-z0-9/._-]{0,20}$/)
      .map((path) => `${context.redirectOrigin}/${path}`.slice(0, schema.maxLength ?? 2048));
  }
  if (schema.pattern) {
    if (HEX_PATTERN.test(schema.pattern)) {
      return hexString(Math.max(minLength, 2), Math.max(minLength, 2, maxLength), schema.pattern.includes('{2})+'));
    }
    try {
      const regex = new RegExp(schema.pattern, 'u');
      const fits = (s: string) => s.length >= minLength && s.length <= maxLength && regex.test(s);
      // No filter: with a minLength the small strings of stringMatching rarely fit, and a
      // filter would retry forever. Short ones are repeated (right for `^[…]+$` patterns);
      // what still does not fit is sent anyway, as one more invalid value.
      return fc.stringMatching(regex, { size: 'small' }).map((s) => {
        if (fits(s)) return s;
        const repeated = s.length > 0 && s.length < minLength ? s.repeat(Math.ceil(minLength / s.length)).slice(0, maxLength) : s;
        return fits(repeated) ? repeated : s.slice(0, maxLength);
      });
    } catch {
      // A pattern fast-check cannot invert: plain strings, mostly rejected, which is fine too.
    }
  }
  return fc.string({ minLength, maxLength });
}

function integerArbitrary(schema: JsonSchema): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : undefined);
  const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : undefined);
  const lo = min ?? -1_000_000;
  const hi = max ?? Math.max(lo + 1, 2_000_000_000_000);
  return fc.oneof(fc.integer({ min: lo, max: Math.min(hi, Number.MAX_SAFE_INTEGER) }), fc.constantFrom(lo, hi));
}

function objectArbitrary(schema: JsonSchema, context: GenerationContext): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(properties)) model[key] = validValue(sub, context);
  const required = (schema.required ?? []).filter((key) => key in model);
  const dependencies = Object.entries(schema.dependencies ?? {}).filter((entry): entry is [string, string[]] =>
    Array.isArray(entry[1]),
  );
  // A present key whose companions are missing would be invalid: drop it instead.
  return fc.record(model, { requiredKeys: required }).map((value) => {
    const out: Record<string, unknown> = { ...value };
    let changed = true;
    while (changed) {
      changed = false;
      for (const [key, needs] of dependencies) {
        if (key in out && needs.some((need) => !(need in out)) && !required.includes(key)) {
          delete out[key];
          changed = true;
        }
      }
    }
    return out;
  });
}

/** Values the schema accepts (mostly: formats and patterns are approximated). */
export function validValue(schema: JsonSchema, context: GenerationContext): fc.Arbitrary<unknown> {
  const inner = validValueNotNull(schema, context);
  return schema.nullable ? fc.oneof({ arbitrary: inner, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }) : inner;
}

function validValueNotNull(schema: JsonSchema, context: GenerationContext): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union && union.length > 0) return fc.oneof(...union.map((member) => validValue(member, context)));
  if (schema.allOf && schema.allOf.length === 1) return validValue(schema.allOf[0]!, context);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringArbitrary(schema, context);
    case 'integer':
      return integerArbitrary(schema);
    case 'number':
      return fc.oneof(integerArbitrary(schema), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validValue(schema.items ?? {}, context), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 4, 4)),
      });
    case 'object':
      return objectArbitrary(schema, context);
    default:
      return schema.properties ? objectArbitrary(schema, context) : fc.jsonValue({ maxDepth: 2 });
  }
}

/** Strings no handler expects: control characters, bidi overrides, emoji, lone surrogates, huge. */
export function hostileString(bodyLimit: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      'a\u0000b@example.com',
      '\u202Eevil\u202C@example.com',
      '👩‍👩‍👧‍👦@例え.テスト',
      '\uD800',
      '\uDFFF\uD800',
      '\uFEFF',
      '%00',
      '../../etc/passwd',
      "' OR 1=1 --",
      '${jndi:ldap://x}',
      '{{constructor.constructor("return process")()}}',
      '__proto__',
      'constructor',
      'NaN',
      'true',
      '0x10',
      '-0',
      'javascript:alert(1)',
      'http://evil.example/',
    ),
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.string({ unit: 'grapheme', maxLength: 64 }),
    fc.integer({ min: 256, max: 4096 }).map((n) => 'x'.repeat(n)),
    fc.constantFrom('a'.repeat(bodyLimit - 64), '€'.repeat(Math.floor(bodyLimit / 3) + 10), 'z'.repeat(bodyLimit * 2)),
    fc.constantFrom('ab'.repeat(32), 'AB'.repeat(32), 'f'.repeat(63), 'g'.repeat(64), '00'.repeat(16)),
  );
}

const DEEP = 1000;

/** A value nested `depth` levels deep, as JSON text (building it as an object would be just as deep). */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** A stand-in for a JSON value in generated objects whose text is spliced in verbatim. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Any value where the schema wanted something else. */
export function hostileValue(bodyLimit: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e308, Number.MAX_SAFE_INTEGER + 2, [], {}, [null], ['a'], { a: 1 }),
    hostileString(bodyLimit),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(
      new RawJson(deepJson(DEEP, 'array')),
      new RawJson(deepJson(DEEP, 'object')),
      new RawJson('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
      new RawJson('{"a":1,"a":2}'),
    ),
  );
}

/** JSON text of a value, splicing RawJson parts in as written. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0001RAW${raws.length - 1}\u0001`;
    }
    return v;
  });
  if (text === undefined) return 'null';
  return text.replace(/"\\u0001RAW(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]!);
}
