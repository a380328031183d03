// Dates print in the newsroom's time zone (`NEWS_TIME_ZONE`, UTC by default) with a fixed locale, so that two builds
// with the same setting print the same text on any machine. The Studio imports this module too (no Node APIs here):
// it shows scheduled times in the same zone and the same words as the site.

/** The zone used when none is configured. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** Whether `name` is a time zone this runtime knows (an IANA name such as "Europe/Berlin", or "UTC"). */
export function isTimeZone(name: string): boolean {
  try {
    // An empty name throws here too, like any name the runtime does not know.
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The newsroom's time zone from the environment: `NEWS_TIME_ZONE`, or UTC when it is unset or empty. An unknown
 * name throws, naming the variable, so a typo stops the build instead of silently printing UTC.
 */
export function timeZoneFromEnv(env: Record<string, string | undefined> = process.env): string {
  const name = env['NEWS_TIME_ZONE']?.trim() ?? '';
  if (name === '') return DEFAULT_TIME_ZONE;
  if (!isTimeZone(name)) throw new Error(`NEWS_TIME_ZONE: "${name}" is not a time zone (expected e.g. Europe/Berlin)`);
  return name;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

function format(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  let formatter = cache.get(timeZone);
  // Stryker disable next-line ConditionalExpression: the cache only saves time; a new formatter prints the same text
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      timeZone,
      ...(withTime ? { hour: 'numeric', minute: '2-digit', hour12: true, timeZoneName: 'short' } : {}),
    });
    // Stryker disable next-line CallExpression: the cache only saves time; a new formatter prints the same text
    cache.set(timeZone, formatter);
  }
  return formatter;
}

/** "Nov 19, 2025" (the day in `timeZone`). */
export function formatDate(iso: string, timeZone: string = DEFAULT_TIME_ZONE): string {
  return format(dateFormats, timeZone, false).format(new Date(iso));
}

/** "Nov 19, 2025, 9:10 PM UTC", with the zone's short name ("10:10 PM GMT+1" in Europe/Berlin, "4:10 PM EST"). */
export function formatDateTime(iso: string, timeZone: string = DEFAULT_TIME_ZONE): string {
  return format(dateTimeFormats, timeZone, true).format(new Date(iso));
}
