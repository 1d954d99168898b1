// OAuth scope values and sets of them, with FxA's rules for which value implies which
// (behaviour of Mozilla's fxa-shared/oauth/scopes.ts and its docs/scopes.md; deviations noted inline).
//
// Two forms of value exist:
// - short names, `:`-separated words such as `profile`, `profile:email`, `profile:email:write`. A
//   name implies every name it is a prefix of (`profile` ⊃ `profile:email`), but a write scope
//   (last word `write`) is implied only by write scopes: `profile:write` ⊃ `profile:email:write`
//   and `profile:write` ⊃ `profile`, while `profile` ⊅ `profile:write`;
// - https URLs such as `https://identity.mozilla.com/apps/oldsync#read`. A URL implies its
//   descendants by path segment; a URL with a fragment implies only descendants carrying the same
//   fragment, a URL without one implies descendants with any fragment or none.
//
// Every value has a short, precomputed list of its implicants (the values that imply it, itself
// included), so "A implies B" is one lookup of A among B's implicants and every set operation here
// is linear in the sizes of the sets involved. Scope strings arrive from clients, so the parsers
// also bound the work one string can cause: at most MAX_SCOPE_STRING_LENGTH characters per string
// and per value, at most 32 words per short name and 32 path segments per URL, so a value has at
// most 64 implicants, each no longer than itself.

/** RFC 6749 §3.3 scope-token characters: printable ASCII except space, `"` and `\`. */
const SCOPE_VALUE_CHARACTERS = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const SHORT_NAME_PART = /^[a-zA-Z0-9_]+$/;
const URL_FRAGMENT = /^#[a-zA-Z0-9_]+$/;
const WRITE = 'write';

/** Longest scope string fromString/fromUrlEncoded accept, and so the longest value anywhere. */
export const MAX_SCOPE_STRING_LENGTH = 1024;
/** Most `:`-separated words in a short name, `write` included (upstream's limit). */
export const MAX_SHORT_NAME_PARTS = 32;
/** Most path segments in a URL value (ours, not upstream's: real ones have at most 4). */
export const MAX_URL_PATH_SEGMENTS = 32;

/** A scope string or value breaks the rules above; callers turn it into their own error. */
export class ScopeError extends Error {
  override name = 'ScopeError';
}

function invalid(value: string): ScopeError {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return new ScopeError(`Invalid scope value: ${JSON.stringify(shown)}`);
}

/** The implicants of a valid value, most specific first and itself included; throws ScopeError. */
function implicantsOf(value: string): readonly string[] {
  if (value.length > MAX_SCOPE_STRING_LENGTH || !SCOPE_VALUE_CHARACTERS.test(value)) throw invalid(value);
  return value.startsWith('https:') ? urlImplicants(value) : shortNameImplicants(value);
}

function shortNameImplicants(value: string): string[] {
  // The limit stops split() from building a long array out of a value made of colons.
  const parts = value.split(':', MAX_SHORT_NAME_PARTS + 1);
  if (parts.length > MAX_SHORT_NAME_PARTS || !parts.every((part) => SHORT_NAME_PART.test(part))) throw invalid(value);
  const isWrite = parts[parts.length - 1] === WRITE;
  if (isWrite) {
    parts.pop();
    if (parts.length === 0) throw invalid(value); // `write` alone names nothing
  }
  // Each prefix P of the words, longest first: `P:write` implies the value, and so does `P` unless
  // the value is a write scope (a read scope never implies a write scope).
  const implicants: string[] = [];
  const words = isWrite ? value.slice(0, value.length - WRITE.length - 1) : value;
  for (let end = words.length, count = parts.length; count > 0; count--) {
    const prefix = words.slice(0, end);
    implicants.push(`${prefix}:${WRITE}`);
    if (!isWrite) implicants.push(prefix);
    end -= parts[count - 1]!.length + 1;
  }
  return implicants;
}

function urlImplicants(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(value);
  }
  if (
    url.protocol !== 'https:' ||
    url.username !== '' ||
    url.password !== '' ||
    // A bare `?` or `#` leaves search or hash '' yet stays in href (upstream accepts both, with
    // implicants that then omit the value itself).
    value.includes('?') ||
    (value.includes('#') && !URL_FRAGMENT.test(url.hash)) ||
    url.pathname === '' ||
    url.pathname.endsWith('/') ||
    // Each segment adds two implicants as long as the value: bounded, their total stays linear.
    url.pathname.split('/', MAX_URL_PATH_SEGMENTS + 2).length > MAX_URL_PATH_SEGMENTS + 1 ||
    // Only the canonical spelling is a value: no `..`, no default port, no upper-case host,
    // nothing the URL parser would rewrite.
    url.href !== value
  ) {
    throw invalid(value);
  }
  // As href === value and there is no userinfo or query, value = origin + pathname + hash; every
  // ancestor is value cut at one of the pathname's slashes, except its leading one. Cutting the
  // string, rather than resolving a path, keeps `https://a.example//b.example/x` on its own origin.
  const { hash } = url;
  const withoutHash = value.slice(0, value.length - hash.length);
  const pathStart = withoutHash.length - url.pathname.length;
  const implicants: string[] = [];
  for (let end = withoutHash.length; end > pathStart; end = withoutHash.lastIndexOf('/', end - 1)) {
    const ancestor = withoutHash.slice(0, end);
    implicants.push(ancestor);
    if (hash) implicants.push(ancestor + hash);
  }
  return implicants;
}

type Implicants = ReadonlySet<string>;

/**
 * An immutable set of valid scope values kept in reduced form: no member implies another (adding a
 * value drops the members it implies, and a value implied by a member is not added). Members keep
 * the order they were added in.
 */
export class ScopeSet {
  /** Member → its implicants. */
  readonly #members = new Map<string, Implicants>();
  /** Implicant of some member → the members it implies. */
  readonly #byImplicant = new Map<string, Set<string>>();

  private constructor(entries: Iterable<readonly [string, Implicants]>) {
    for (const [value, implicants] of entries) this.#add(value, implicants);
    Object.freeze(this);
  }

  /** RFC 6749 form: values separated by runs of spaces; '' is the empty set. */
  static fromString(s: string): ScopeSet {
    if (s.length > MAX_SCOPE_STRING_LENGTH) throw new ScopeError('Scope string too long');
    return ScopeSet.fromArray(s.split(/ +/).filter((value) => value !== ''));
  }

  /** Query-string form: values separated by `+`, each percent-decoded. */
  static fromUrlEncoded(s: string): ScopeSet {
    if (s.length > MAX_SCOPE_STRING_LENGTH) throw new ScopeError('Scope string too long');
    const values = s
      .split('+')
      .filter((encoded) => encoded !== '')
      .map((encoded) => {
        try {
          return decodeURIComponent(encoded);
        } catch {
          throw invalid(encoded);
        }
      });
    return ScopeSet.fromArray(values);
  }

  static fromArray(values: readonly string[]): ScopeSet {
    return new ScopeSet(values.map((value) => [value, new Set(implicantsOf(value))] as const));
  }

  static empty(): ScopeSet {
    return new ScopeSet([]);
  }

  /** Whether fromString accepts the whole string ('' included). */
  static isValid(s: string): boolean {
    try {
      ScopeSet.fromString(s);
      return true;
    } catch (error) {
      if (error instanceof ScopeError) return false;
      throw error;
    }
  }

  /** Only during construction: the instance is frozen afterwards and never changes. */
  #add(value: string, implicants: Implicants): void {
    for (const implicant of implicants) {
      if (this.#members.has(implicant)) return; // already implied by a member (or present)
    }
    for (const implied of this.#byImplicant.get(value) ?? []) this.#delete(implied);
    this.#members.set(value, implicants);
    for (const implicant of implicants) {
      let implied = this.#byImplicant.get(implicant);
      if (!implied) this.#byImplicant.set(implicant, (implied = new Set()));
      implied.add(value);
    }
  }

  #delete(value: string): void {
    for (const implicant of this.#members.get(value) ?? []) {
      const implied = this.#byImplicant.get(implicant)!;
      implied.delete(value);
      if (implied.size === 0) this.#byImplicant.delete(implicant);
    }
    this.#members.delete(value);
  }

  /** Whether some member is one of these implicants, i.e. implies the value they belong to. */
  #impliesValueWith(implicants: Implicants): boolean {
    for (const implicant of implicants) {
      if (this.#members.has(implicant)) return true;
    }
    return false;
  }

  #selectMembers(keep: (implicants: Implicants) => boolean): ScopeSet {
    return new ScopeSet([...this.#members].filter(([, implicants]) => keep(implicants)));
  }

  getScopeValues(): string[] {
    return [...this.#members.keys()];
  }

  toString(): string {
    return this.getScopeValues().join(' ');
  }

  toJSON(): string[] {
    return this.getScopeValues();
  }

  isEmpty(): boolean {
    return this.#members.size === 0;
  }

  /** Whether exactly this value is a member (no implication involved). */
  has(value: string): boolean {
    return this.#members.has(value);
  }

  /** Whether some member implies this value; throws ScopeError when the value is invalid. */
  implies(value: string): boolean {
    return this.#impliesValueWith(new Set(implicantsOf(value)));
  }

  /** Whether every value of `other` is implied by some member of this set. */
  contains(other: ScopeSet | string): boolean {
    for (const implicants of coerce(other).#members.values()) {
      if (!this.#impliesValueWith(implicants)) return false;
    }
    return true;
  }

  /** Whether some member of one set implies some member of the other, either way round. */
  intersects(other: ScopeSet | string): boolean {
    const that = coerce(other);
    for (const implicant of that.#byImplicant.keys()) if (this.#members.has(implicant)) return true;
    for (const implicant of this.#byImplicant.keys()) if (that.#members.has(implicant)) return true;
    return false;
  }

  /**
   * The members of this set that `other` implies: what was asked for (this) cut down to what is
   * allowed (other). Not a classical intersection: `profile:email:write` filtered by `profile` is
   * empty, although both imply `profile:email`.
   */
  filtered(other: ScopeSet | string): ScopeSet {
    const that = coerce(other);
    return this.#selectMembers((implicants) => that.#impliesValueWith(implicants));
  }

  /** The members of this set that `other` does not imply (those `filtered` leaves out). */
  difference(other: ScopeSet | string): ScopeSet {
    const that = coerce(other);
    return this.#selectMembers((implicants) => !that.#impliesValueWith(implicants));
  }

  /** The smallest set implying everything either set implies: this set's members, then other's. */
  union(other: ScopeSet | string): ScopeSet {
    return new ScopeSet([...this.#members, ...coerce(other).#members]);
  }

  /** This set without exactly this member (values it implies are not added back). */
  remove(value: string): ScopeSet {
    if (!this.#members.has(value)) return this;
    return new ScopeSet([...this.#members].filter(([member]) => member !== value));
  }

  /** Every value that implies some member, each once: checking a scope becomes a string lookup. */
  getImplicantValues(): string[] {
    return [...this.#byImplicant.keys()];
  }
}

/** A string argument is ONE value, never a space-separated list: callers choose the parser. */
function coerce(other: ScopeSet | string): ScopeSet {
  return typeof other === 'string' ? ScopeSet.fromArray([other]) : other;
}
