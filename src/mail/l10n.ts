// Mail strings: one Fluent bundle per folder under locales/, picked from Accept-Language.
// Adding a language is adding a folder of .ftl files; missing strings fall back to English.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FluentBundle, FluentDateTime, FluentResource, type FluentVariable } from '@fluent/bundle';
import { acceptedLanguages, negotiateLanguages } from '@fluent/langneg';

const DEFAULT_LOCALE = 'en';

// tsc does not copy .ftl files, so they stay in src/ and are found from the package root:
// src/mail/l10n.ts and its build output dist/mail/l10n.js both sit two folders below it.
const LOCALES_DIR = fileURLToPath(new URL('../../src/mail/locales/', import.meta.url));

type MessageArgs = Record<string, FluentVariable>;

export interface Localizer {
  /** Formats one message as plain text; throws if no locale can format it without errors. */
  format(id: string, args?: MessageArgs): string;
}

/**
 * The Fluent strings of one folder of locales (one subfolder of .ftl files per locale, English
 * required), loaded on first use. The mail and the web pages (src/pages/l10n.ts) each have one.
 */
export class FluentCatalog {
  private loaded: Map<string, FluentBundle> | undefined;

  constructor(
    private readonly dir: string,
    /** Names the catalog in errors, e.g. "mail l10n". */
    private readonly label: string,
  ) {}

  private bundles(): Map<string, FluentBundle> {
    this.loaded ??= loadBundles(this.dir, this.label);
    return this.loaded;
  }

  locales(): string[] {
    return [...this.bundles().keys()];
  }

  /** The best available locale for an Accept-Language header (or an explicit locale), else English. */
  negotiate(acceptLanguage: string | undefined, forcedLocale?: string): string {
    const requested = forcedLocale === undefined ? acceptedLanguages(acceptLanguage ?? '') : [forcedLocale];
    const [best] = negotiateLanguages(requested, this.locales(), {
      defaultLocale: DEFAULT_LOCALE,
      strategy: 'lookup',
    });
    return best ?? DEFAULT_LOCALE;
  }

  localizer(locale: string): Localizer {
    const chain = [...new Set([locale, DEFAULT_LOCALE])].flatMap((name) => this.bundles().get(name) ?? []);
    const label = this.label;
    return {
      format(id, args) {
        const failures: string[] = [];
        for (const bundle of chain) {
          const message = bundle.getMessage(id);
          if (!message?.value) continue;
          const errors: Error[] = [];
          const text = bundle.formatPattern(message.value, args, errors);
          if (errors.length === 0) return text;
          failures.push(`${bundle.locales[0]}: ${errors.map((error) => error.message).join('; ')}`);
        }
        throw new Error(`${label}: cannot format "${id}" (${failures.join(', ') || 'no such message'})`);
      },
    };
  }
}

function loadBundles(dir: string, label: string): Map<string, FluentBundle> {
  const result = new Map<string, FluentBundle>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) result.set(entry.name, loadBundle(entry.name, join(dir, entry.name), label));
  }
  if (!result.has(DEFAULT_LOCALE)) throw new Error(`${label}: no "${DEFAULT_LOCALE}" strings in ${dir}`);
  return result;
}

function loadBundle(locale: string, dir: string, label: string): FluentBundle {
  // Bidi isolation marks around arguments would end up inside codes and URLs in plain-text mail.
  const bundle = new FluentBundle(locale, { useIsolating: false });
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.ftl'))
    .sort();
  for (const file of files) {
    const errors = bundle.addResource(new FluentResource(readFileSync(join(dir, file), 'utf8')));
    if (errors.length > 0) throw new Error(`${label}: ${locale}/${file}: ${errors[0]?.message}`);
  }
  return bundle;
}

const mailCatalog = new FluentCatalog(LOCALES_DIR, 'mail l10n');

export function availableLocales(): string[] {
  return mailCatalog.locales();
}

/** The best available locale for an Accept-Language header (or an explicit locale), else English. */
export function negotiateLocale(acceptLanguage: string | undefined, forcedLocale?: string): string {
  return mailCatalog.negotiate(acceptLanguage, forcedLocale);
}

export function createLocalizer(locale: string): Localizer {
  return mailCatalog.localizer(locale);
}

/** A timestamp for Fluent's DATETIME(), always shown in UTC as we do not know the reader's zone. */
export function utcDateTime(ms: number): FluentDateTime {
  return new FluentDateTime(ms, { timeZone: 'UTC' });
}
