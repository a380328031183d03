import { DEFAULT_TIME_ZONE, formatDateTime, isTimeZone } from '../src/lib/site/dates.ts';

/**
 * The newsroom's time zone in the Studio: `SANITY_STUDIO_TIME_ZONE`, inlined by the Studio build (the newsroom builds
 * with a placeholder and its Studio server writes `NEWS_TIME_ZONE` in its place), UTC when unset or unknown. The site
 * prints dates in the same zone (src/lib/site/dates.ts).
 */
export const NEWSROOM_TIME_ZONE: string = (() => {
  try {
    const value = process.env.SANITY_STUDIO_TIME_ZONE;
    return value !== undefined && isTimeZone(value) ? value : DEFAULT_TIME_ZONE;
  } catch {
    // A runtime where the expression survived the build and `process` does not exist (the browser).
    return DEFAULT_TIME_ZONE;
  }
})();

/** Whether a story's publish time is still ahead: it is scheduled, and the site shows it from then on. */
export function isScheduled(publishedAt: unknown, now: number = Date.now()): publishedAt is string {
  return typeof publishedAt === 'string' && Date.parse(publishedAt) > now;
}

/** "Nov 28, 2026, 9:30 AM GMT+1": a time as the site prints it, in the newsroom's zone, with the zone named. */
export function newsroomTime(iso: string, timeZone: string = NEWSROOM_TIME_ZONE): string {
  return formatDateTime(iso, timeZone);
}
