// The `*Formatted` times of device and session lists: FxA renders each timestamp as
// moment.js's `fromNow()` ("a few seconds ago", "3 hours ago", "vor 2 Tagen") in the
// language Accept-Language picks among those it supports. The thresholds and phrases
// below are moment's defaults for the languages our mails speak; anything else is English.

import { negotiateLanguages } from '@fluent/langneg';

type Unit = 's' | 'm' | 'mm' | 'h' | 'hh' | 'd' | 'dd' | 'M' | 'MM' | 'y' | 'yy';

interface RelativePhrases {
  past(text: string): string;
  future(text: string): string;
  /** The phrase for `unit` (`n` for the plural units); `suffixed` when it goes in a past/future frame. */
  unit(unit: Unit, n: number, suffixed: boolean, future: boolean): string;
}

const plain =
  (table: Record<Unit, string>): RelativePhrases['unit'] =>
  (unit, n) =>
    table[unit].replace('%d', String(n));

const PHRASES: Record<string, RelativePhrases> = {
  en: {
    past: (text) => `${text} ago`,
    future: (text) => `in ${text}`,
    unit: plain({
      s: 'a few seconds',
      m: 'a minute',
      mm: '%d minutes',
      h: 'an hour',
      hh: '%d hours',
      d: 'a day',
      dd: '%d days',
      M: 'a month',
      MM: '%d months',
      y: 'a year',
      yy: '%d years',
    }),
  },
  de: {
    past: (text) => `vor ${text}`,
    future: (text) => `in ${text}`,
    // German declines after "vor"/"in" (dative): "vor einer Minute", "vor 3 Tagen".
    unit(unit, n, suffixed) {
      const forms: Record<Unit, [string, string]> = {
        s: ['ein paar Sekunden', 'ein paar Sekunden'],
        m: ['eine Minute', 'einer Minute'],
        mm: ['%d Minuten', '%d Minuten'],
        h: ['eine Stunde', 'einer Stunde'],
        hh: ['%d Stunden', '%d Stunden'],
        d: ['ein Tag', 'einem Tag'],
        dd: ['%d Tage', '%d Tagen'],
        M: ['ein Monat', 'einem Monat'],
        MM: ['%d Monate', '%d Monaten'],
        y: ['ein Jahr', 'einem Jahr'],
        yy: ['%d Jahre', '%d Jahren'],
      };
      return forms[unit][suffixed ? 1 : 0].replace('%d', String(n));
    },
  },
  fr: {
    past: (text) => `il y a ${text}`,
    future: (text) => `dans ${text}`,
    unit: plain({
      s: 'quelques secondes',
      m: 'une minute',
      mm: '%d minutes',
      h: 'une heure',
      hh: '%d heures',
      d: 'un jour',
      dd: '%d jours',
      M: 'un mois',
      MM: '%d mois',
      y: 'un an',
      yy: '%d ans',
    }),
  },
};

const DEFAULT_LANGUAGE = 'en';
export const RELATIVE_TIME_LANGUAGES = Object.keys(PHRASES);

/** Accept-Language's tags, best first (q-values compared as numbers; q=0 means "not this one"). */
function requestedLanguages(header: string): string[] {
  return header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(param)).find(Boolean);
      return { tag: tag.trim(), q: q ? Number(q[1]) : 1, index };
    })
    .filter(({ tag, q }) => tag !== '' && tag !== '*' && q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map(({ tag }) => tag);
}

/** The language of the formatted times for an Accept-Language header. */
export function relativeTimeLanguage(acceptLanguage: string | undefined): string {
  const [best] = negotiateLanguages(requestedLanguages(acceptLanguage ?? ''), RELATIVE_TIME_LANGUAGES, {
    defaultLocale: DEFAULT_LANGUAGE,
    strategy: 'lookup',
  });
  return best && best in PHRASES ? best : DEFAULT_LANGUAGE;
}

const DAY_MS = 864e5;

/** moment's unit and count for a duration (its default `relativeTimeThreshold`s: 45 s, 45 min, 22 h, 26 d, 11 months). */
function unitOf(ms: number): [Unit, number] {
  const seconds = Math.round(ms / 1000);
  const minutes = Math.round(ms / 6e4);
  const hours = Math.round(ms / 36e5);
  const days = Math.round(ms / DAY_MS);
  // moment converts days to months on a 400-year cycle (146097 days = 4800 months).
  const months = Math.round(((ms / DAY_MS) * 4800) / 146097);
  const years = Math.round(((ms / DAY_MS) * 400) / 146097);
  if (seconds < 45) return ['s', seconds];
  if (minutes <= 1) return ['m', 1];
  if (minutes < 45) return ['mm', minutes];
  if (hours <= 1) return ['h', 1];
  if (hours < 22) return ['hh', hours];
  if (days <= 1) return ['d', 1];
  if (days < 26) return ['dd', days];
  if (months <= 1) return ['M', 1];
  if (months < 11) return ['MM', months];
  if (years <= 1) return ['y', 1];
  return ['yy', years];
}

/** `timestamp` relative to `now` as FxA formats it ("5 minutes ago"); '' for no timestamp, as FxA. */
export function formatRelativeTime(timestamp: number | null | undefined, now: number, language: string): string {
  if (!timestamp) return '';
  const phrases = PHRASES[language] ?? PHRASES[DEFAULT_LANGUAGE]!;
  const future = timestamp > now;
  const [unit, n] = unitOf(Math.abs(now - timestamp));
  const text = phrases.unit(unit, n, true, future);
  return future ? phrases.future(text) : phrases.past(text);
}

/**
 * FxA stopped trusting lastAccessTime values from before it began recording them reliably
 * (`lastAccessTimeUpdates.earliestSaneTimestamp`, 2017-10-04): older ones are also reported as
 * `approximateLastAccessTime` = this date.
 */
export const EARLIEST_SANE_ACCESS_TIME = 1507081020000;

export interface FormattedTimes {
  createdTimeFormatted?: string;
  lastAccessTimeFormatted?: string;
  approximateLastAccessTime?: number;
  approximateLastAccessTimeFormatted?: string;
}

/** FxA's `formatTimestamps`: a formatted field for each time that is set, and the approximate one for implausibly old accesses. */
export function formatTimes(
  times: { createdTime?: number | null; lastAccessTime?: number | null },
  now: number,
  language: string,
): FormattedTimes {
  const formatted: FormattedTimes = {};
  if (times.createdTime) formatted.createdTimeFormatted = formatRelativeTime(times.createdTime, now, language);
  if (times.lastAccessTime) {
    formatted.lastAccessTimeFormatted = formatRelativeTime(times.lastAccessTime, now, language);
    if (times.lastAccessTime < EARLIEST_SANE_ACCESS_TIME) {
      formatted.approximateLastAccessTime = EARLIEST_SANE_ACCESS_TIME;
      formatted.approximateLastAccessTimeFormatted = formatRelativeTime(EARLIEST_SANE_ACCESS_TIME, now, language);
    }
  }
  return formatted;
}
