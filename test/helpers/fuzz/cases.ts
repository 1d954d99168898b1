// Operations read from the server's OpenAPI document, and the generated requests
// (valid, boundary and hostile) the fuzz gate sends to each.

import fc from 'fast-check';
import {
  deepJson,
  hostileString,
  hostileValue,
  RawJson,
  toJsonText,
  validValue,
  type GenerationContext,
  type JsonSchema,
} from './schema.js';

export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** `POST /v1/account/create`. */
  id: string;
  method: string;
  path: string;
  /** The security scheme (token kind) it authenticates with, if any. */
  tokenKind?: string;
  body?: JsonSchema;
  parameters: Parameter[];
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        security?: Record<string, unknown>[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
        parameters?: Parameter[];
      }
    >
  >;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document, in document order. */
export function operationsOf(document: unknown): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries((document as OpenApiDocument).paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      operations.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        tokenKind: op.security?.[0] ? Object.keys(op.security[0])[0] : undefined,
        body: op.requestBody?.content?.['application/json']?.schema,
        parameters: op.parameters ?? [],
      });
    }
  }
  return operations;
}

/** How a request authenticates; the header is made at send time, from the current token and clock. */
export type AuthArm =
  | { kind: 'none' }
  | { kind: 'valid'; payloadHash: boolean }
  | { kind: 'bearer' }
  | { kind: 'replayed' }
  | { kind: 'stale'; offsetSeconds: number }
  | { kind: 'tampered' }
  | { kind: 'wrong-kind' }
  | { kind: 'unknown-token' }
  | { kind: 'garbage'; header: string };

export interface FuzzCase {
  /** What was generated, for failure messages. */
  notes: string[];
  /** Path with its parameters filled in, plus the raw query string (without `?`). */
  path: string;
  query: string;
  body?: string;
  contentType?: string;
  auth: AuthArm;
  /** Could the server accept it? Those are isolated between database snapshots. */
  plausible: boolean;
}

export interface CaseSettings extends GenerationContext {
  bodyLimit: number;
}

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'];

/** Percent-encoded; a lone surrogate becomes the invalid UTF-8 `%ED%A0%80` (what a careless client sends). */
function encode(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, '')) + '%ED%A0%80';
  }
}

/** Query string: valid values, then (sometimes) one hostile twist. */
function queryArbitrary(
  parameters: Parameter[],
  settings: CaseSettings,
): fc.Arbitrary<{ text: string; notes: string[]; plausible: boolean }> {
  const query = parameters.filter((p) => p.in === 'query');
  const pairs = fc.tuple(
    ...query.map((p) =>
      fc.option(
        validValue(p.schema, settings).map((v) => `${encodeURIComponent(p.name)}=${encode(v)}`),
        { nil: undefined, freq: p.required ? 20 : 2 },
      ),
    ),
  );
  const names = query.length > 0 ? fc.constantFrom(...query.map((p) => p.name)) : fc.constant('x');
  const twist = fc.oneof(
    { arbitrary: fc.constant<[string, string, boolean] | null>(null), weight: 6 },
    names.chain((name) =>
      fc.oneof(
        hostileString(settings.bodyLimit).map(
          (s) => [`${name}=${encode(s)}`, `query ${name} hostile`, true] as [string, string, boolean],
        ),
        fc.constant([`${name}=a&${name}=b`, `query ${name} repeated`, true] as [string, string, boolean]),
        fc.constant([`${name}=%zz%`, `query ${name} bad escape`, true] as [string, string, boolean]),
        fc.constant([`${name}`, `query ${name} without value`, true] as [string, string, boolean]),
        fc.constant([`${name}[]=1&${name}[x]=2`, `query ${name} bracket syntax`, true] as [string, string, boolean]),
      ),
    ),
    fc
      .constantFrom(...PROTO_KEYS)
      .map((key) => [`${key}=1&${key}[polluted]=1`, `query key ${key}`, true] as [string, string, boolean]),
  );
  return fc.tuple(pairs, twist).map(([valid, extra]) => {
    const parts = valid.filter((p): p is string => p !== undefined);
    if (extra) parts.push(extra[0]);
    return { text: parts.join('&'), notes: extra ? [extra[1]] : [], plausible: extra ? extra[2] : true };
  });
}

interface BodyChoice {
  body?: string;
  contentType?: string;
  notes: string[];
  plausible: boolean;
}

type Mutation = (value: Record<string, unknown>) => { value: Record<string, unknown>; note: string; plausible: boolean };

/** One change to a valid object body. */
function mutationArbitrary(schema: JsonSchema, settings: CaseSettings): fc.Arbitrary<Mutation> {
  const keys = Object.keys(schema.properties ?? {});
  const required = (schema.required ?? []).filter((k) => keys.includes(k));
  const anyKey = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('x');
  const arms: fc.Arbitrary<Mutation>[] = [
    fc.tuple(anyKey, hostileValue(settings.bodyLimit)).map(([key, bad]): Mutation => (value) => ({
      value: { ...value, [key]: bad },
      note: `${key} = hostile ${short(bad)}`,
      plausible: true,
    })),
    fc
      .tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 12 })), fc.jsonValue({ maxDepth: 2 }))
      .map(([key, extra]): Mutation => (value) => ({
        value: withKey(value, key, extra),
        note: `extra key ${JSON.stringify(key)}`,
        plausible: true,
      })),
    fc.constant<Mutation>((value) => ({
      value: withKey(value, '__proto__', new RawJson('{"polluted":true,"isAdmin":true}')),
      note: '__proto__ object',
      plausible: true,
    })),
  ];
  if (required.length > 0) {
    arms.push(
      fc.constantFrom(...required).map((key): Mutation => (value) => {
        const copy = { ...value };
        delete copy[key];
        return { value: copy, note: `without required ${key}`, plausible: true };
      }),
    );
  }
  return fc.oneof(...arms);
}

/** Adds `key` (even `__proto__`) as an own property, so JSON.stringify writes it. */
function withKey(value: Record<string, unknown>, key: string, extra: unknown): Record<string, unknown> {
  const copy = { ...value };
  Object.defineProperty(copy, key, { value: extra, enumerable: true, writable: true, configurable: true });
  return copy;
}

function short(value: unknown): string {
  const text = value instanceof RawJson ? value.text : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 40)}…(${text.length} chars)` : text;
}

function invalidJsonTexts(valid: string, bodyLimit: number): fc.Arbitrary<[string, string]> {
  return fc.oneof(
    fc.constantFrom<[string, string]>(
      ['{', 'truncated {'],
      ['{"a":}', 'missing value'],
      ["{'a':1}", 'single quotes'],
      ['{"a":1,}', 'trailing comma'],
      ['NaN', 'NaN'],
      ['\uFEFF{}', 'BOM'],
      ['{"a":"\u0000"}', 'raw NUL'],
      ['{"a":"\\ud800"}', 'escaped lone surrogate'],
      ['undefined', 'undefined'],
      ['"', 'lone quote'],
      [' ', 'whitespace only'],
      ['null', 'null'],
      ['[]', 'empty array'],
      ['""', 'empty string'],
      ['12', 'number'],
      [deepJson(1000, 'array'), '1000-deep array'],
      [deepJson(1000, 'object'), '1000-deep object'],
      [deepJson(20000, 'array'), '20000-deep array'],
    ),
    fc
      .integer({ min: 1, max: Math.max(1, valid.length - 1) })
      .map((n): [string, string] => [valid.slice(0, n), `valid body cut at ${n}`]),
    fc.constant<[string, string]>([valid + valid, 'two bodies']),
    fc.constant<[string, string]>([paddedTo(valid, bodyLimit + 1), `body of ${bodyLimit + 1} bytes`]),
    fc.constant<[string, string]>([paddedTo(valid, bodyLimit), `body of exactly ${bodyLimit} bytes`]),
    fc.constant<[string, string]>([paddedTo(valid, 1024 * 1024), 'body of 1 MiB']),
  );
}

/** Valid JSON object text of exactly `bytes` bytes (with an extra padding key), when `valid` is an object. */
function paddedTo(valid: string, bytes: number): string {
  const base = valid.startsWith('{') && valid.length > 2 ? valid.slice(0, -1) + ',"pad":""}' : '{"pad":""}';
  const fill = Math.max(0, bytes - Buffer.byteLength(base));
  return base.slice(0, -2) + 'p'.repeat(fill) + '"}';
}

function bodyArbitrary(op: Operation, settings: CaseSettings): fc.Arbitrary<BodyChoice> {
  if (op.method === 'GET' || op.method === 'HEAD') return fc.constant({ notes: [], plausible: true });
  const schema = op.body ?? { type: 'object', properties: {} };
  const valid = validValue(schema, settings);
  const validText = valid.map(toJsonText);
  const json = 'application/json';
  const choices: { arbitrary: fc.Arbitrary<BodyChoice>; weight: number }[] = [
    { arbitrary: validText.map((body) => ({ body, contentType: json, notes: ['valid body'], plausible: true })), weight: 5 },
    {
      arbitrary: fc
        .tuple(valid, fc.array(mutationArbitrary(schema, settings), { minLength: 1, maxLength: 3 }))
        .map(([value, mutations]) => {
          let current = (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
          const notes: string[] = [];
          let plausible = true;
          for (const mutate of mutations) {
            const out = mutate(current);
            current = out.value;
            notes.push(out.note);
            plausible &&= out.plausible;
          }
          return { body: toJsonText(current), contentType: json, notes, plausible };
        }),
      weight: 7,
    },
    {
      arbitrary: hostileValue(settings.bodyLimit).map((value) => ({
        body: toJsonText(value),
        contentType: json,
        notes: [`whole body ${short(value)}`],
        plausible: true,
      })),
      weight: 2,
    },
    {
      arbitrary: validText.chain((text) =>
        invalidJsonTexts(text, settings.bodyLimit).map(([body, note]) => ({
          body,
          contentType: json,
          notes: [note],
          plausible: true,
        })),
      ),
      weight: 3,
    },
    {
      arbitrary: fc
        .tuple(
          validText,
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/json; charset=utf-16',
            'application/JSON',
            'application/json-patch+json',
            'application/octet-stream',
            'application/json, text/plain',
            '',
          ),
        )
        .map(([body, contentType]) => ({
          body,
          contentType,
          notes: [`content-type ${JSON.stringify(contentType)}`],
          plausible: true,
        })),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom<BodyChoice>(
        { body: '', contentType: json, notes: ['empty JSON body'], plausible: true },
        { notes: ['no body'], plausible: true },
        {
          body: 'a=b&email=x%40example.com',
          contentType: 'application/x-www-form-urlencoded',
          notes: ['form body'],
          plausible: true,
        },
      ),
      weight: 1,
    },
  ];
  // Only a body the JSON parser must refuse makes a request sure to be rejected.
  return fc
    .oneof(...choices)
    .map((choice) => ({ ...choice, plausible: choice.plausible && !surelyRefused(choice, settings.bodyLimit) }));
}

function surelyRefused(choice: BodyChoice, bodyLimit: number): boolean {
  if (choice.body === undefined || choice.contentType !== 'application/json') return false;
  if (Buffer.byteLength(choice.body) > bodyLimit) return true;
  if (choice.body === '') return false;
  try {
    JSON.parse(choice.body);
    return false;
  } catch {
    return true;
  }
}

function authArbitrary(op: Operation): fc.Arbitrary<AuthArm> {
  const garbage = fc
    .oneof(
      fc.constantFrom(
        'Hawk',
        'Hawk ',
        'Hawk id="", ts="", nonce="", mac=""',
        'Hawk id="abc", ts="1", nonce="x", mac="y"',
        `Hawk id="${'0'.repeat(64)}", ts="1", nonce="x", mac="y", hash="z", ext="\\"", app="a"`,
        'Hawk id="a" id="b"',
        'Bearer',
        'Bearer fxs_',
        `Bearer fxs_${'z'.repeat(64)}`,
        `Bearer fxs_${'0'.repeat(64)}`,
        `Bearer FXS_${'0'.repeat(64)}`,
        'Basic dXNlcjpwYXNz',
        `Hawk ${'x="y", '.repeat(500)}`,
        'Hawk id="\u00ff\u00fe"',
      ),
      fc
        .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 })
        .map((s) => `Hawk ${s}`),
    )
    .map((header): AuthArm => ({ kind: 'garbage', header }));
  const arms: { arbitrary: fc.Arbitrary<AuthArm>; weight: number }[] = [
    { arbitrary: fc.constant<AuthArm>({ kind: 'none' }), weight: op.tokenKind ? 2 : 8 },
    { arbitrary: garbage, weight: 2 },
  ];
  if (op.tokenKind) {
    arms.push(
      { arbitrary: fc.boolean().map((payloadHash): AuthArm => ({ kind: 'valid', payloadHash })), weight: 8 },
      { arbitrary: fc.constant<AuthArm>({ kind: 'bearer' }), weight: 1 },
      { arbitrary: fc.constant<AuthArm>({ kind: 'replayed' }), weight: 1 },
      {
        arbitrary: fc.constantFrom(-3600, -61, 61, 86400 * 365).map((offsetSeconds): AuthArm => ({ kind: 'stale', offsetSeconds })),
        weight: 1,
      },
      { arbitrary: fc.constant<AuthArm>({ kind: 'tampered' }), weight: 1 },
      { arbitrary: fc.constant<AuthArm>({ kind: 'wrong-kind' }), weight: 1 },
      { arbitrary: fc.constant<AuthArm>({ kind: 'unknown-token' }), weight: 1 },
    );
  }
  return fc.oneof(...arms);
}

// A replayed request is first sent as a valid one.
const PLAUSIBLE_AUTH = new Set(['none', 'valid', 'bearer', 'replayed']);

function pathArbitrary(op: Operation, settings: CaseSettings): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'path');
  if (params.length === 0) return fc.constant(op.path);
  return fc
    .tuple(
      ...params.map((p) =>
        fc.oneof(
          { arbitrary: validValue(p.schema, settings), weight: 3 },
          { arbitrary: hostileString(settings.bodyLimit), weight: 1 },
        ),
      ),
    )
    .map((values) => params.reduce((path, p, i) => path.replace(`{${p.name}}`, encode(values[i])), op.path));
}

/** The requests for one operation. */
export function caseArbitrary(op: Operation, settings: CaseSettings): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      path: pathArbitrary(op, settings),
      query: queryArbitrary(op.parameters, settings),
      body: bodyArbitrary(op, settings),
      auth: authArbitrary(op),
    })
    .map(({ path, query, body, auth }) => ({
      notes: [...body.notes, ...query.notes, `auth ${auth.kind}`],
      path,
      query: query.text,
      body: body.body,
      contentType: body.contentType,
      auth,
      plausible: body.plausible && query.plausible && (!op.tokenKind || PLAUSIBLE_AUTH.has(auth.kind)),
    }));
}

/** A stable 32-bit seed per operation, so adding an operation does not change the others' requests. */
export function operationSeed(seed: number, op: Operation): number {
  let hash = seed | 0;
  for (let i = 0; i < op.id.length; i++) hash = Math.imul(hash ^ op.id.charCodeAt(i), 0x01000193);
  return hash | 0;
}
