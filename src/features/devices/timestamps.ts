// The `…Formatted` companions of device and client times: how long ago, in the words of
// moment's `fromNow()` that FxA uses (fxa-shared localizeTimestamp), and FxA's approximate
// value for times older than it started recording them.

/**
 * FxA's `lastAccessTimeUpdates.earliestSaneTimestamp` (the deployment that started recording
 * last-access times): an older value is shown as "at least this long ago".
 */
export const EARLIEST_SANE_TIMESTAMP = 1507081020000;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** moment's month and year lengths in days (400 years of the Gregorian calendar). */
const DAYS_PER_MONTH = 146097 / 4800;

/**
 * `then` relative to `now` as moment's English `fromNow()` words it, with moment's default
 * thresholds: "a few seconds ago" under 45 s, "a minute ago", "5 minutes ago", "an hour ago",
 * "3 hours ago" under 22 h, "a day ago", "4 days ago" under 26 days, "a month ago", "2 months
 * ago" under 11 months, "a year ago", "2 years ago"; "in …" for a time ahead. English only:
 * the server carries no date localisation (FxA formats by Accept-Language).
 */
export function timeAgo(then: number, now: number): string {
  const ms = Math.abs(now - then);
  const seconds = Math.round(ms / SECOND);
  const minutes = Math.round(ms / MINUTE);
  const hours = Math.round(ms / HOUR);
  const days = Math.round(ms / DAY);
  const months = Math.round(ms / DAY / DAYS_PER_MONTH);
  const years = Math.round(ms / DAY / DAYS_PER_MONTH / 12);
  const words =
    seconds < 45
      ? 'a few seconds'
      : minutes <= 1
        ? 'a minute'
        : minutes < 45
          ? `${minutes} minutes`
          : hours <= 1
            ? 'an hour'
            : hours < 22
              ? `${hours} hours`
              : days <= 1
                ? 'a day'
                : days < 26
                  ? `${days} days`
                  : months <= 1
                    ? 'a month'
                    : months < 11
                      ? `${months} months`
                      : years <= 1
                        ? 'a year'
                        : `${years} years`;
  return then > now ? `in ${words}` : `${words} ago`;
}

export interface FormattedLastAccess {
  lastAccessTimeFormatted?: string;
  approximateLastAccessTime?: number;
  approximateLastAccessTimeFormatted?: string;
}

/** FxA's formatTimestamps for a last-access time: nothing for none (null or 0). */
export function formatLastAccess(lastAccessTime: number | null, now: number): FormattedLastAccess {
  if (!lastAccessTime) return {};
  if (lastAccessTime >= EARLIEST_SANE_TIMESTAMP) return { lastAccessTimeFormatted: timeAgo(lastAccessTime, now) };
  return {
    lastAccessTimeFormatted: timeAgo(lastAccessTime, now),
    approximateLastAccessTime: EARLIEST_SANE_TIMESTAMP,
    approximateLastAccessTimeFormatted: timeAgo(EARLIEST_SANE_TIMESTAMP, now),
  };
}
