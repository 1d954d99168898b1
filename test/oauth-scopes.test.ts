import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MAX_SCOPE_STRING_LENGTH, ScopeError, ScopeSet } from '../src/features/oauth/scopes.js';

const SYNC = 'https://identity.mozilla.com/apps/oldsync';
const s = (scope: string): ScopeSet => ScopeSet.fromString(scope);

// [A, B]: the set A contains the set B. §3 "Hold", then upstream's tests and docs/scopes.md.
const CONTAINED: ReadonlyArray<readonly [string, string]> = [
  ['profile:write', 'profile'],
  ['profile', 'profile:email'],
  ['profile:write', 'profile:email'],
  ['profile:write', 'profile:email:write'],
  ['profile:email:write', 'profile:email'],
  ['profile profile:email:write', 'profile:email'],
  ['profile profile:email:write', 'profile:display_name'],
  [`profile ${SYNC}`, 'profile'],
  [`profile ${SYNC}`, SYNC],
  ['foo bar:baz', 'foo:dee'],
  ['foo bar:baz', 'bar:baz'],
  ['foo bar:baz', 'foo:mah:pa bar:baz:quux'],
  [SYNC, `${SYNC}#read`],
  [SYNC, `${SYNC}/bookmarks`],
  [SYNC, `${SYNC}/bookmarks#read`],
  [`${SYNC}#read`, `${SYNC}/bookmarks#read`],
  [`${SYNC}#read profile`, `${SYNC}/bookmarks#read`],
  ['https://identity.mozilla.com/account/subscriptions', 'https://identity.mozilla.com/account/subscriptions/iap'],
  ['profile', ''],
  ['', ''],
];

// [A, B]: A does not contain B. §3 "Fail", then upstream's lists (docs/scopes.md spelling; the
// upstream test file has `mozila.com` typos in some right-hand sides, kept as extra cases).
const NOT_CONTAINED: ReadonlyArray<readonly [string, string]> = [
  ['profile:email:write', 'profile'],
  ['profile:email:write', 'profile:write'],
  ['profile:email', 'profile:display_name'],
  ['profile', 'profile:write'],
  ['profilebogey', 'profile'],
  ['profile', 'profilebogey'],
  ['foo bar:baz', 'bar'],
  ['profile:write', SYNC],
  ['profile profile:email:write', 'profile:write'],
  ['https', SYNC],
  [SYNC, 'profile'],
  [`${SYNC}#read`, `${SYNC}/bookmarks`],
  [`${SYNC}#read`, SYNC],
  [`${SYNC}#write`, `${SYNC}/bookmarks#read`],
  [`${SYNC}/bookmarks`, SYNC],
  [`${SYNC}/bookmarks`, `${SYNC}/passwords`],
  [`${SYNC}er`, SYNC],
  [SYNC, `${SYNC}er`],
  ['https://identity.mozilla.org/apps/oldsync', SYNC],
  [`${SYNC}#read`, 'https://identity.mozila.com/apps/oldsync/bookmarks'],
  [`${SYNC}/bookmarks`, 'https://identity.mozila.com/apps/oldsync'],
  ['https://identity.mozilla.org/apps/oldsync', 'https://identity.mozila.com/apps/oldsync'],
  ['', 'profile'],
  ['profile', 'profile openid'],
];

const INVALID_VALUES: readonly string[] = [
  'write',
  'profile:email!:write',
  ':',
  '::',
  ':profile',
  'profile:',
  'profile::email',
  'profile\0:email',
  'profile\t:email',
  'prof"ile',
  'prof\\ile',
  'profil\u00e9',
  'profile:display-name',
  Array.from({ length: 33 }, () => 'a').join(':'),
  'http://identity.mozilla.com/apps/oldsync',
  'file:///etc/passwd',
  'https://identity.mozilla.com/apps/oldsync/../notes',
  'https://identity.mozilla.com/apps/./oldsync',
  'https://identity.mozilla.com/apps/oldsync/',
  'https://identity.mozilla.com/apps/oldsync/#write',
  'https://identity.mozilla.com/',
  'https://identity.mozilla.com',
  'https://identity.mozilla.com/apps/oldsync?x=1',
  'https://identity.mozilla.com/apps/oldsync?',
  'https://identity.mozilla.com/apps/oldsync#',
  'https://user:pass@identity.mozilla.com/apps/oldsync',
  'https://user@identity.mozilla.com/apps/oldsync',
  'https://identity.mozilla.com/apps/oldsync#read!',
  'https://identity.mozilla.com/apps/oldsync#read+write',
  'https://identity.mozilla.com/apps/oldsync#read:write',
  'https://identity.mozilla.com/apps/oldsync#read#write',
  'https://IDENTITY.mozilla.com/apps/oldsync',
  'https://identity.mozilla.com:443/apps/oldsync',
  'https:identity.mozilla.com/apps/oldsync',
  'https:/identity.mozilla.com/apps/oldsync',
  'https://[/apps',
  'http://identity.mozilla.com/apps/old:sync',
];

describe('implication between sets (contains)', () => {
  for (const [a, b] of CONTAINED) {
    test(`"${a}" contains "${b}"`, () => assert.equal(s(a).contains(s(b)), true));
  }
  for (const [a, b] of NOT_CONTAINED) {
    test(`"${a}" does not contain "${b}"`, () => assert.equal(s(a).contains(s(b)), false));
  }

  test('a string argument is one value, never a list', () => {
    assert.equal(s('profile').contains('profile:email'), true);
    assert.throws(() => s('profile').contains('profile:email profile:uid'), ScopeError);
    assert.throws(() => s('profile').contains('write'), ScopeError);
  });
});

describe('implies and has', () => {
  test('implies: some member implies the value', () => {
    const set = s(`profile:write ${SYNC}#read`);
    for (const value of ['profile', 'profile:write', 'profile:email:write', `${SYNC}#read`, `${SYNC}/tabs#read`]) {
      assert.equal(set.implies(value), true, value);
    }
    for (const value of ['openid', SYNC, `${SYNC}#write`, `${SYNC}/tabs`, 'profiles']) {
      assert.equal(set.implies(value), false, value);
    }
    assert.throws(() => set.implies('http://example.com/x'), ScopeError);
  });

  test('has: exact members only', () => {
    const set = s('profile:write openid');
    assert.equal(set.has('profile:write'), true);
    assert.equal(set.has('openid'), true);
    assert.equal(set.has('profile'), false);
    assert.equal(set.has('not a value'), false);
  });
});

describe('invalid values', () => {
  for (const value of INVALID_VALUES) {
    test(`${JSON.stringify(value)} is invalid`, () => {
      assert.throws(() => ScopeSet.fromString(value), ScopeError);
      assert.throws(() => ScopeSet.fromArray([value]), ScopeError);
      assert.throws(() => ScopeSet.fromUrlEncoded(encodeURIComponent(value)), ScopeError);
      assert.throws(() => ScopeSet.fromString(`openid ${value} profile`), ScopeError);
      assert.equal(ScopeSet.isValid(value), false);
    });
  }

  test('the error names the value', () => {
    assert.throws(() => ScopeSet.fromString('openid profile::email'), {
      name: 'ScopeError',
      message: 'Invalid scope value: "profile::email"',
    });
  });

  test('invalid only once url-decoded, or not decodable', () => {
    for (const encoded of [
      'profile profile:email:write',
      'profile%20profile:email:write',
      'profile+profile::email',
      'profile+profile:%3Aemail',
      encodeURIComponent('https://identity.mozilla.com/apps/oldsync#read+write'),
      'profile+%E0%A4%A',
      'profile%',
    ]) {
      assert.throws(() => ScopeSet.fromUrlEncoded(encoded), ScopeError, encoded);
    }
  });

  test('values that look odd but are valid', () => {
    for (const value of [
      'https',
      'write:write',
      'profile:write:email',
      'a_b:C_9',
      Array.from({ length: 32 }, () => 'a').join(':'),
      Array.from({ length: 31 }, () => 'a').join(':') + ':write',
      `${SYNC}#read_only`,
      'https://example.com:8443/a',
      'https://[::1]/a',
      'https://xn--d1acufc.xn--p1ai/a',
      'https://example.com/a%20b',
    ]) {
      assert.deepEqual(s(value).getScopeValues(), [value]);
      assert.equal(ScopeSet.isValid(value), true);
    }
  });

  test('Object.prototype names are ordinary values', () => {
    assert.deepEqual(s('constructor __proto__ toString').getScopeValues(), ['constructor', '__proto__', 'toString']);
    assert.equal(s('profile').implies('constructor'), false);
    assert.equal(s('profile').has('hasOwnProperty'), false);
  });

  test('scope strings longer than 1024 characters are refused before parsing', () => {
    const many = Array.from({ length: 205 }, (_, i) => `s${i}`).join(' ');
    assert.ok(many.length <= MAX_SCOPE_STRING_LENGTH);
    assert.equal(s(many).getScopeValues().length, 205);
    const long = `${many} ${'x'.repeat(MAX_SCOPE_STRING_LENGTH)}`;
    assert.throws(() => ScopeSet.fromString(long), ScopeError);
    assert.throws(() => ScopeSet.fromUrlEncoded(long.replaceAll(' ', '+')), ScopeError);
    assert.equal(ScopeSet.isValid(long), false);
    assert.throws(() => ScopeSet.fromString(' '.repeat(MAX_SCOPE_STRING_LENGTH + 1)), ScopeError);
  });

  test('URL values have at most 32 path segments', () => {
    assert.equal(ScopeSet.isValid(`https://example.com/${'a/'.repeat(31)}b`), true);
    assert.equal(ScopeSet.isValid(`https://example.com/${'a/'.repeat(32)}b`), false);
    assert.equal(ScopeSet.isValid(`https://example.com/${'/'.repeat(32)}b`), false);
  });

  test('no single value is longer than a scope string may be', () => {
    const url = `https://example.com/${'a'.repeat(MAX_SCOPE_STRING_LENGTH)}`;
    assert.throws(() => ScopeSet.fromArray([url]), ScopeError);
    assert.throws(() => ScopeSet.fromArray(['a'.repeat(MAX_SCOPE_STRING_LENGTH + 1)]), ScopeError);
    assert.equal(ScopeSet.fromArray(['a'.repeat(MAX_SCOPE_STRING_LENGTH)]).isEmpty(), false);
  });
});

describe('parsing', () => {
  test('runs of spaces separate values; leading and trailing spaces are ignored', () => {
    assert.deepEqual(s('  openid   profile:email  ').getScopeValues(), ['openid', 'profile:email']);
  });

  test('the empty string is the empty set', () => {
    assert.equal(s('').isEmpty(), true);
    assert.equal(s('   ').isEmpty(), true);
    assert.equal(ScopeSet.fromUrlEncoded('').isEmpty(), true);
    assert.equal(ScopeSet.fromArray([]).isEmpty(), true);
    assert.equal(ScopeSet.empty().isEmpty(), true);
    assert.equal(ScopeSet.empty().toString(), '');
    assert.equal(ScopeSet.isValid(''), true);
    assert.equal(s('profile').isEmpty(), false);
  });

  test('only spaces separate: other whitespace makes the value invalid', () => {
    assert.throws(() => s('openid\tprofile'), ScopeError);
    assert.throws(() => s('openid\nprofile'), ScopeError);
  });

  test('url-encoded: + separates, each value is percent-decoded', () => {
    const set = ScopeSet.fromUrlEncoded('profile+https%3A%2F%2Fidentity.mozilla.com%2Fapps%2Foldsync++openid');
    assert.deepEqual(set.getScopeValues(), ['profile', SYNC, 'openid']);
    assert.deepEqual(ScopeSet.fromUrlEncoded('profile%3Aemail').getScopeValues(), ['profile:email']);
    assert.deepEqual(ScopeSet.fromUrlEncoded(`${SYNC}%23read`).getScopeValues(), [`${SYNC}#read`]);
  });

  test('fromArray takes values as they are', () => {
    assert.deepEqual(ScopeSet.fromArray(['openid', SYNC]).getScopeValues(), ['openid', SYNC]);
    assert.throws(() => ScopeSet.fromArray(['openid profile']), ScopeError);
    assert.throws(() => ScopeSet.fromArray(['']), ScopeError);
  });

  test('duplicates and implied values collapse, insertion order is kept', () => {
    assert.deepEqual(s('openid profile openid').getScopeValues(), ['openid', 'profile']);
    assert.deepEqual(s('profile:email openid profile').getScopeValues(), ['openid', 'profile']);
    assert.deepEqual(s('profile profile:email openid').getScopeValues(), ['profile', 'openid']);
    assert.deepEqual(s(`${SYNC}/bookmarks#read ${SYNC}#read ${SYNC}/tabs`).getScopeValues(), [`${SYNC}#read`, `${SYNC}/tabs`]);
  });

  test('toString, toJSON', () => {
    const set = s('openid  profile:email');
    assert.equal(set.toString(), 'openid profile:email');
    assert.equal(`${set}`, 'openid profile:email');
    assert.deepEqual(set.toJSON(), ['openid', 'profile:email']);
    assert.equal(JSON.stringify({ scope: set }), '{"scope":["openid","profile:email"]}');
  });
});

describe('filtered', () => {
  // [A, B, A filtered by B]
  const CASES: ReadonlyArray<readonly [string, string, string]> = [
    ['profile', 'profile', 'profile'],
    ['profile', 'profile:write', 'profile'],
    ['profile', 'profile:email', ''],
    ['profile:email:write', 'profile', ''],
    ['profile basket', 'profile', 'profile'],
    ['basket profile:email', 'profile', 'profile:email'],
    ['basket profile:email:write', 'profile:write basket', 'basket profile:email:write'],
    [`${SYNC}#read`, `profile ${SYNC}`, `${SYNC}#read`],
    [`${SYNC}/bookmarks#read ${SYNC}/passwords#write`, `profile ${SYNC}`, `${SYNC}/bookmarks#read ${SYNC}/passwords#write`],
    [`${SYNC}/bookmarks#read ${SYNC}/passwords#write`, `profile ${SYNC}#write`, `${SYNC}/passwords#write`],
    ['openid profile:email', '', ''],
  ];
  for (const [a, b, expected] of CASES) {
    test(`"${a}" filtered by "${b}" is "${expected}"`, () => assert.equal(s(a).filtered(s(b)).toString(), expected));
  }

  test('a string argument is one value', () => {
    assert.equal(s('openid profile:email profile:uid').filtered('profile').toString(), 'profile:email profile:uid');
  });
});

describe('difference', () => {
  // [A, B, A minus what B implies]
  const CASES: ReadonlyArray<readonly [string, string, string]> = [
    ['profile', 'profile', ''],
    ['profile:email', 'profile', ''],
    ['profile', 'profile:email', 'profile'],
    ['profile:email clients:abcd', 'profile:email profile:display_name clients', ''],
    ['profile:email profile:display_name clients', 'profile:email clients:abcd', 'profile:display_name clients'],
    ['profile:email profile:display_name', 'profile:email', 'profile:display_name'],
    [`profile:write ${SYNC}`, 'profile:write', SYNC],
    [`profile:write ${SYNC}`, SYNC, 'profile:write'],
    ['one two three', 'two three four', 'one'],
    ['one two', '', 'one two'],
  ];
  for (const [a, b, expected] of CASES) {
    test(`"${a}" minus "${b}" is "${expected}"`, () => assert.equal(s(a).difference(s(b)).toString(), expected));
  }

  test('a string argument is one value', () => {
    assert.equal(s('openid profile:email').difference('profile').toString(), 'openid');
  });
});

describe('union', () => {
  // [A, B, A ∪ B]
  const CASES: ReadonlyArray<readonly [string, string, string]> = [
    ['profile', 'profile:email', 'profile'],
    ['profile:email', 'profile', 'profile'],
    [`profile:write ${SYNC}`, 'profile:write', `profile:write ${SYNC}`],
    ['one two three', 'two three four', 'one two three four'],
    ['one two:too three:won', 'two:write three:to four', 'one three:won two:write three:to four'],
    [`${SYNC}/tabs#read`, `${SYNC}#read`, `${SYNC}#read`],
    ['', 'openid', 'openid'],
  ];
  for (const [a, b, expected] of CASES) {
    test(`"${a}" ∪ "${b}" is "${expected}"`, () => assert.equal(s(a).union(s(b)).toString(), expected));
  }

  test('aggregating one value at a time drops what each new value implies', () => {
    let set = s('one');
    set = set.union('two:too');
    assert.equal(set.toString(), 'one two:too');
    set = set.union(ScopeSet.fromArray(['one', 'three']));
    assert.equal(set.toString(), 'one two:too three');
    set = set.union(ScopeSet.fromArray(['one', 'two:too:write']));
    assert.equal(set.toString(), 'one three two:too:write');
    set = set.union(ScopeSet.fromArray(['three', 'two']));
    assert.equal(set.toString(), 'one three two:too:write two');
    set = set.union(ScopeSet.fromArray(['three:write', 'two:write']));
    assert.equal(set.toString(), 'one three:write two:write');
  });
});

describe('intersects', () => {
  const YES: ReadonlyArray<readonly [string, string]> = [
    ['profile', 'profile'],
    ['profile', 'profile:write'],
    ['profile:write', 'profile'],
    ['profile', 'profile:email'],
    ['profile:email', 'profile'],
    ['profile basket', 'profile'],
    ['profile basket', 'profile oauth'],
    ['profile basket', 'basket'],
    ['profile basket', 'basket:write'],
    ['profile:write basket', 'profile:write'],
    [`${SYNC}/tabs#read`, SYNC],
    [SYNC, `${SYNC}/tabs#read`],
  ];
  const NO: ReadonlyArray<readonly [string, string]> = [
    ['profile', 'basket'],
    ['profile oauth', 'basket'],
    ['profile:email', 'profile:uid'],
    ['profile:email:write', 'profile:uid'],
    [`${SYNC}#read`, `${SYNC}#write`],
    [`${SYNC}/tabs`, `${SYNC}/bookmarks`],
    ['', 'profile'],
    ['profile', ''],
  ];
  for (const [a, b] of YES) {
    test(`"${a}" intersects "${b}"`, () => assert.equal(s(a).intersects(s(b)), true));
  }
  for (const [a, b] of NO) {
    test(`"${a}" does not intersect "${b}"`, () => assert.equal(s(a).intersects(s(b)), false));
  }

  test('a string argument is one value', () => {
    assert.equal(s('openid profile:email').intersects('profile'), true);
    assert.equal(s('openid profile:email').intersects('basket'), false);
  });
});

describe('remove', () => {
  test('removes exactly that member, returning a new set', () => {
    const set = s('openid profile');
    assert.equal(set.remove('openid').toString(), 'profile');
    assert.equal(set.remove('profile:email').toString(), 'openid profile');
    assert.equal(set.remove('absent').toString(), 'openid profile');
    assert.equal(set.toString(), 'openid profile');
  });
});

describe('implicants', () => {
  // [scope, its implicant values in order]
  const CASES: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['profile', ['profile:write', 'profile']],
    ['profile:write', ['profile:write']],
    ['profile:email:write profile:amr', ['profile:email:write', 'profile:write', 'profile:amr:write', 'profile:amr', 'profile']],
    [
      `profile:email ${SYNC}`,
      ['profile:email:write', 'profile:email', 'profile:write', 'profile', SYNC, 'https://identity.mozilla.com/apps'],
    ],
    [
      `${SYNC}/bookmarks#read`,
      [
        `${SYNC}/bookmarks`,
        `${SYNC}/bookmarks#read`,
        SYNC,
        `${SYNC}#read`,
        'https://identity.mozilla.com/apps',
        'https://identity.mozilla.com/apps#read',
      ],
    ],
    // Ancestors are cut from the value itself: `//host` inside a path is not another origin.
    [
      'https://example.com//evil.example/x',
      ['https://example.com//evil.example/x', 'https://example.com//evil.example', 'https://example.com/'],
    ],
  ];
  for (const [scope, expected] of CASES) {
    test(`implicants of "${scope}"`, () => assert.deepEqual(s(scope).getImplicantValues(), expected));
  }

  test('a path with // does not let another origin imply it', () => {
    assert.equal(s('https://evil.example/x').contains('https://example.com//evil.example/x'), false);
  });
});

describe('immutability', () => {
  test('operations return new sets and leave their inputs alone', () => {
    const a = s('openid profile:email');
    const b = s('profile');
    a.union(b);
    a.filtered(b);
    a.difference(b);
    a.remove('openid');
    assert.equal(a.toString(), 'openid profile:email');
    assert.equal(b.toString(), 'profile');
    assert.ok(Object.isFrozen(a));
    const values = a.getScopeValues();
    values.push('mutated');
    assert.equal(a.toString(), 'openid profile:email');
  });
});

// docs/scopes.md's step-by-step algorithm for "A implies B", written out independently of the
// implicant lists the implementation uses.
function documentedImplies(a: string, b: string): boolean {
  if (a.startsWith('https:')) {
    if (!b.startsWith('https:')) return false;
    const ua = new URL(a);
    const ub = new URL(b);
    if (ua.origin !== ub.origin) return false;
    const pa = ua.pathname.split('/');
    const pb = ub.pathname.split('/');
    if (pa.length > pb.length || pa.some((segment, i) => segment !== pb[i])) return false;
    return ua.hash === '' || ua.hash === ub.hash;
  }
  if (b.startsWith('https:')) return false;
  const pa = a.split(':');
  const pb = b.split(':');
  if (pb[pb.length - 1] === 'write' && pa[pa.length - 1] !== 'write') return false;
  if (pa[pa.length - 1] === 'write') pa.pop();
  return pa.length <= pb.length && pa.every((word, i) => word === pb[i]);
}

describe('properties', () => {
  const shortName = fc
    .array(fc.constantFrom('a', 'b', 'write'), { minLength: 1, maxLength: 4 })
    .map((words) => words.join(':'))
    .filter((value) => value !== 'write');
  const urlScope = fc
    .tuple(
      fc.constantFrom('https://example.com', 'https://example.org'),
      fc.array(fc.constantFrom('a', 'b', 'ab'), { minLength: 1, maxLength: 4 }),
      fc.constantFrom('', '#read', '#write'),
    )
    .map(([origin, path, fragment]) => `${origin}/${path.join('/')}${fragment}`);
  const value = fc.oneof(shortName, urlScope);
  const implies = (a: string, b: string): boolean => ScopeSet.fromArray([a]).implies(b);

  test('implies agrees with the algorithm of docs/scopes.md', () => {
    fc.assert(fc.property(value, value, (a, b) => implies(a, b) === documentedImplies(a, b)));
  });

  test('implies is reflexive', () => {
    fc.assert(fc.property(value, (a) => implies(a, a)));
  });

  test('implies is transitive', () => {
    fc.assert(fc.property(value, value, value, (a, b, c) => !(implies(a, b) && implies(b, c)) || implies(a, c)));
  });

  test('sets stay reduced; union, filtered and difference agree with implies', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), fc.array(value, { maxLength: 6 }), (xs, ys) => {
        const x = ScopeSet.fromArray(xs);
        const y = ScopeSet.fromArray(ys);
        const members = x.getScopeValues();
        for (const m of members) {
          assert.ok(members.every((n) => n === m || !implies(n, m)));
        }
        assert.ok(xs.every((v) => x.implies(v)));
        const u = x.union(y);
        assert.ok(u.contains(x) && u.contains(y));
        assert.ok(u.getScopeValues().every((v) => x.implies(v) || y.implies(v)));
        const kept = x.filtered(y).getScopeValues();
        const dropped = x.difference(y).getScopeValues();
        assert.deepEqual([...kept, ...dropped].sort(), [...members].sort());
        assert.ok(kept.every((v) => y.implies(v)));
        assert.ok(dropped.every((v) => !y.implies(v)));
        assert.equal(
          x.intersects(y),
          members.some((m) => y.getScopeValues().some((n) => implies(m, n) || implies(n, m))),
        );
      }),
    );
  });
});
