/**
 * A user's quiet hours: while the wall clock in their time zone is between `start` and `end`,
 * personal messages are held and sent as one digest when the quiet time ends. Pure: the caller
 * passes the time, and Node's built-in ICU (Intl) knows the time zones and their DST rules.
 */

/** Quiet hours: "HH:MM" on a 24-hour clock in an IANA time zone. start === end means none. */
export interface QuietHours {
  start: string;
  end: string;
  timeZone: string;
}

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** UTC offsets in use span UTC-12 to UTC+14: every instant of a local time lies within these bounds of it. */
const MAX_OFFSET_BEHIND_MS = 12 * HOUR_MS;
const MAX_OFFSET_AHEAD_MS = 14 * HOUR_MS;

/**
 * When the quiet time that `now` (epoch ms) falls in ends, or null when `now` is not in quiet
 * hours. The quiet time begins each time the wall clock in `quiet.timeZone` reads `start` and ends
 * the next time it reads `end` (inside at exactly `start`, outside at exactly `end`); a window
 * across midnight (22:00–07:00) works the same way.
 *
 * DST: instants are found from wall-clock times, so a night with a DST change is an hour shorter or
 * longer. A time skipped by a spring-forward gap is reached at the first instant after the gap; a
 * time repeated by a fall-back is reached at each of its two instants.
 *
 * Called for each personal message routed: 3 Intl look-ups on most days, some 25 near an offset change.
 * Throws a RangeError for a malformed clock time or an unknown time zone (validated before storing).
 */
export function quietHoursEnd(now: number, quiet: QuietHours): number | null {
  const start = clockMinutes(quiet.start);
  const end = clockMinutes(quiet.end);
  if (start === null || end === null) throw new RangeError(`quiet hours must be HH:MM, got "${quiet.start}" to "${quiet.end}"`);
  if (start === end) return null;
  const offset = offsetAt(now, quiet.timeZone);
  if (offsetAt(now - 2 * DAY_MS, quiet.timeZone) === offset && offsetAt(now + 2 * DAY_MS, quiet.timeZone) === offset) {
    // No offset change within the two days either side, where every reading that matters lies:
    // plain clock arithmetic gives the same answer with 3 Intl calls instead of some 25.
    const wall = now + offset;
    const sinceMidnight = ((wall % DAY_MS) + DAY_MS) % DAY_MS;
    const [from, to] = [start * MINUTE_MS, end * MINUTE_MS];
    const inside = from < to ? sinceMidnight >= from && sinceMidnight < to : sinceMidnight >= from || sinceMidnight < to;
    if (!inside) return null;
    return wall - sinceMidnight + to + (to > sinceMidnight ? 0 : DAY_MS) - offset;
  }
  const today = localDate(now, quiet.timeZone);
  // Inside when the clock last read `start` more recently than it last read `end`. Equal only when
  // both fell into the same DST gap: then that night had no quiet time.
  const lastStart = lastReading(start, today, now, quiet.timeZone);
  const lastEnd = lastReading(end, today, now, quiet.timeZone);
  if (lastStart <= lastEnd) return null;
  return nextReading(end, today, now, quiet.timeZone);
}

/**
 * The problems with quiet hours as a user entered them, [] when none. Absent (undefined or null)
 * fields are not checked; "" clears a field. Each problem starts with the name of the field it is
 * about (quietHoursStart, quietHoursEnd or timeZone), so a caller can report it on that field.
 */
export function validateQuietHours(
  start: string | null | undefined,
  end: string | null | undefined,
  timeZone: string | null | undefined,
): string[] {
  const problems: string[] = [];
  for (const [field, value] of [["quietHoursStart", start], ["quietHoursEnd", end]] as const) {
    if (value && clockMinutes(value) === null) problems.push(`${field} must be a 24-hour time HH:MM from 00:00 to 23:59 (or empty to clear it)`);
  }
  // A lone start or end would be stored as no quiet hours at all, silently.
  const given = (value: string | null | undefined) => (value === undefined || value === null ? "absent" : value === "" ? "cleared" : "set");
  if (given(start) !== given(end)) {
    const [missing, other] = given(start) === "set" ? ["quietHoursEnd", "quietHoursStart"] : ["quietHoursStart", "quietHoursEnd"];
    problems.push(`${missing} must be given with ${other}: quiet hours need both a start and an end (empty strings for both clear them)`);
  }
  if (timeZone && !isTimeZone(timeZone)) {
    problems.push("timeZone must be an IANA time zone such as Europe/Berlin or America/New_York (or empty for UTC)");
  }
  return problems;
}

/** Minutes after midnight of an "HH:MM" time, or null when it is not one. */
function clockMinutes(value: string): number | null {
  const match = CLOCK_TIME.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

function isTimeZone(timeZone: string): boolean {
  try {
    // Accepts aliases and "UTC", which Intl.supportedValuesOf("timeZone") does not list.
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** One formatter per zone: building one costs far more than formatting with it. At most every zone ICU knows. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      // h23: hour12: false may print midnight as "24".
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall-clock time in `timeZone` at `instant`, written as if it were UTC epoch ms (whole seconds). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** The zone's UTC offset at `instant`, in ms (Berlin in summer: +7,200,000). */
function offsetAt(instant: number, timeZone: string): number {
  return wallClock(instant, timeZone) - Math.floor(instant / 1000) * 1000;
}

/** Midnight of the local date at `instant`, as UTC epoch ms: a day number to step from. */
function localDate(instant: number, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

/**
 * The instants at which the wall clock reads `local` (wall time as UTC epoch ms), earliest first:
 * one normally, two in a fall-back's repeated hour, and the first instant after a spring-forward
 * gap that skips it. Assumes at most one offset change within the 26 hours around it, true of every zone.
 */
function instantsOf(local: number, timeZone: string): number[] {
  // Guess with the offsets in force before and after, then keep the guesses the offset there confirms.
  const before = offsetAt(local - MAX_OFFSET_AHEAD_MS - HOUR_MS, timeZone);
  const after = offsetAt(local + MAX_OFFSET_BEHIND_MS + HOUR_MS, timeZone);
  const confirmed = [...new Set([local - before, local - after])].filter((instant) => instant + offsetAt(instant, timeZone) === local);
  if (confirmed.length > 0) return confirmed.sort((a, b) => a - b);
  // A gap (the offset grew): the change lies between the two guesses. Binary search for it by the second.
  let lo = local - after; // still the old offset
  let hi = local - before; // already the new one
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return [hi];
}

/** The latest instant ≤ now at which the clock read `minutes` (past midnight); found on today's date or the day before. */
function lastReading(minutes: number, today: number, now: number, timeZone: string): number {
  const readings = [today - DAY_MS, today]
    .flatMap((date) => instantsOf(date + minutes * MINUTE_MS, timeZone))
    .filter((instant) => instant <= now);
  return Math.max(...readings);
}

/** The earliest instant > now at which the clock reads `minutes`; found today or tomorrow. */
function nextReading(minutes: number, today: number, now: number, timeZone: string): number {
  const readings = [today, today + DAY_MS]
    .flatMap((date) => instantsOf(date + minutes * MINUTE_MS, timeZone))
    .filter((instant) => instant > now);
  return Math.min(...readings);
}
