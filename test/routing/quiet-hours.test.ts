import fc from "fast-check";
import { QuietHours, quietHoursEnd, validateQuietHours } from "../../src/routing/quiet-hours";

const at = (iso: string) => Date.parse(iso);
const night = (timeZone: string): QuietHours => ({ start: "22:00", end: "07:00", timeZone });

describe("quietHoursEnd", () => {
  it.each([
    ["UTC, late evening", "UTC", "2026-06-10T23:30:00Z", "2026-06-11T07:00:00Z"],
    ["UTC, after midnight", "UTC", "2026-06-11T03:00:00Z", "2026-06-11T07:00:00Z"],
    ["UTC, a millisecond before the end", "UTC", "2026-06-11T06:59:59.999Z", "2026-06-11T07:00:00Z"],
    // Tokyo is UTC+9 all year: 01:00 on 11 June there is 16:00 UTC the day before.
    ["Asia/Tokyo, after midnight", "Asia/Tokyo", "2026-06-10T16:00:00Z", "2026-06-10T22:00:00Z"],
    ["Asia/Tokyo, late evening", "Asia/Tokyo", "2026-06-10T13:30:00Z", "2026-06-10T22:00:00Z"],
    // Los Angeles: UTC-7 in summer (PDT), UTC-8 in winter (PST).
    ["America/Los_Angeles in summer", "America/Los_Angeles", "2026-06-11T06:00:00Z", "2026-06-11T14:00:00Z"],
    ["America/Los_Angeles in winter", "America/Los_Angeles", "2026-01-15T13:00:00Z", "2026-01-15T15:00:00Z"],
  ])("ends a window across midnight when the local clock reads its end: %s", (_label, timeZone, now, end) => {
    expect(quietHoursEnd(at(now), night(timeZone))).toBe(at(end));
  });

  it.each([
    ["UTC, midday", "UTC", "2026-06-11T12:00:00Z"],
    ["Asia/Tokyo, 21:59 there", "Asia/Tokyo", "2026-06-10T12:59:00Z"],
    ["America/Los_Angeles, 07:00 there", "America/Los_Angeles", "2026-06-11T14:00:00Z"],
  ])("is null outside the window: %s", (_label, timeZone, now) => {
    expect(quietHoursEnd(at(now), night(timeZone))).toBeNull();
  });

  it("counts the start as inside and the end as outside", () => {
    expect(quietHoursEnd(at("2026-06-10T22:00:00Z"), night("UTC"))).toBe(at("2026-06-11T07:00:00Z"));
    expect(quietHoursEnd(at("2026-06-10T21:59:59.999Z"), night("UTC"))).toBeNull();
    expect(quietHoursEnd(at("2026-06-11T07:00:00Z"), night("UTC"))).toBeNull();
  });

  it("handles a window within one day (12:00–13:00 in Berlin, UTC+2 in summer)", () => {
    const lunch = { start: "12:00", end: "13:00", timeZone: "Europe/Berlin" };
    expect(quietHoursEnd(at("2026-06-10T10:00:00Z"), lunch)).toBe(at("2026-06-10T11:00:00Z"));
    expect(quietHoursEnd(at("2026-06-10T10:30:00Z"), lunch)).toBe(at("2026-06-10T11:00:00Z"));
    expect(quietHoursEnd(at("2026-06-10T09:59:00Z"), lunch)).toBeNull();
    expect(quietHoursEnd(at("2026-06-10T11:00:00Z"), lunch)).toBeNull();
    expect(quietHoursEnd(at("2026-06-10T22:00:00Z"), lunch)).toBeNull();
  });

  it("has no quiet time when start and end are equal", () => {
    const none = { start: "22:00", end: "22:00", timeZone: "Europe/Berlin" };
    for (const now of ["2026-06-10T20:00:00Z", "2026-06-10T20:00:30Z", "2026-06-10T23:00:00Z", "2026-03-29T01:00:00Z"]) {
      expect(quietHoursEnd(at(now), none)).toBeNull();
    }
  });

  describe("on Berlin's spring-forward day (2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00 UTC)", () => {
    const berlin = night("Europe/Berlin");

    it("ends a 22:00–07:00 night an hour sooner, at 07:00 CEST", () => {
      // Started at 22:00 CET (21:00 UTC); 07:00 CEST is 05:00 UTC: eight hours.
      expect(quietHoursEnd(at("2026-03-28T21:00:00Z"), berlin)).toBe(at("2026-03-29T05:00:00Z"));
      expect(quietHoursEnd(at("2026-03-29T00:59:59Z"), berlin)).toBe(at("2026-03-29T05:00:00Z"));
      expect(quietHoursEnd(at("2026-03-29T01:00:00Z"), berlin)).toBe(at("2026-03-29T05:00:00Z"));
      expect(quietHoursEnd(at("2026-03-29T04:59:00Z"), berlin)).toBe(at("2026-03-29T05:00:00Z"));
      expect(quietHoursEnd(at("2026-03-29T05:00:00Z"), berlin)).toBeNull();
      expect(quietHoursEnd(at("2026-03-28T20:59:00Z"), berlin)).toBeNull();
    });

    it("ends at the first instant after the gap when the end time does not exist that night", () => {
      const shortNight = { start: "22:00", end: "02:30", timeZone: "Europe/Berlin" };
      expect(quietHoursEnd(at("2026-03-29T00:30:00Z"), shortNight)).toBe(at("2026-03-29T01:00:00Z"));
      expect(quietHoursEnd(at("2026-03-29T01:00:00Z"), shortNight)).toBeNull();
    });

    it("starts at the first instant after the gap when the start time does not exist that night", () => {
      const early = { start: "02:30", end: "06:00", timeZone: "Europe/Berlin" };
      expect(quietHoursEnd(at("2026-03-29T00:59:00Z"), early)).toBeNull();
      expect(quietHoursEnd(at("2026-03-29T01:00:00Z"), early)).toBe(at("2026-03-29T04:00:00Z"));
    });
  });

  describe("on Berlin's fall-back day (2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00 UTC)", () => {
    it("ends a 22:00–07:00 night an hour later, at 07:00 CET, from either pass through the repeated hour", () => {
      const berlin = night("Europe/Berlin");
      // Started at 22:00 CEST (20:00 UTC); 07:00 CET is 06:00 UTC: ten hours.
      expect(quietHoursEnd(at("2026-10-24T20:00:00Z"), berlin)).toBe(at("2026-10-25T06:00:00Z"));
      expect(quietHoursEnd(at("2026-10-25T00:30:00Z"), berlin)).toBe(at("2026-10-25T06:00:00Z"));
      expect(quietHoursEnd(at("2026-10-25T01:30:00Z"), berlin)).toBe(at("2026-10-25T06:00:00Z"));
      expect(quietHoursEnd(at("2026-10-25T06:00:00Z"), berlin)).toBeNull();
    });

    it("ends at the first 02:30 when the end time is repeated, and does not resume at the second", () => {
      const untilRepeated = { start: "01:00", end: "02:30", timeZone: "Europe/Berlin" };
      expect(quietHoursEnd(at("2026-10-25T00:15:00Z"), untilRepeated)).toBe(at("2026-10-25T00:30:00Z"));
      expect(quietHoursEnd(at("2026-10-25T01:15:00Z"), untilRepeated)).toBeNull();
    });

    it("stays quiet when the clock falls back to before a start time it already passed", () => {
      const fromRepeated = { start: "02:15", end: "04:00", timeZone: "Europe/Berlin" };
      // 02:05 CET, after 02:15 CEST: still quiet until 04:00 CET (03:00 UTC).
      expect(quietHoursEnd(at("2026-10-25T01:05:00Z"), fromRepeated)).toBe(at("2026-10-25T03:00:00Z"));
    });
  });

  it("follows America/New_York across its DST changes (2026-03-08 and 2026-11-01)", () => {
    const newYork = night("America/New_York");
    // 23:00 EST → 07:00 EDT (UTC-4), and 23:00 EDT → 07:00 EST (UTC-5).
    expect(quietHoursEnd(at("2026-03-08T04:00:00Z"), newYork)).toBe(at("2026-03-08T11:00:00Z"));
    expect(quietHoursEnd(at("2026-11-01T03:00:00Z"), newYork)).toBe(at("2026-11-01T12:00:00Z"));
  });

  it("refuses what validation keeps out: an unknown time zone or a malformed time", () => {
    expect(() => quietHoursEnd(0, { start: "22:00", end: "07:00", timeZone: "Mars/Olympus_Mons" })).toThrow(RangeError);
    expect(() => quietHoursEnd(0, { start: "7:00", end: "22:00", timeZone: "UTC" })).toThrow(RangeError);
  });

  /**
   * Against a plain reading of the rule, minute by minute: the quiet time begins when the local clock
   * reads `start` (or jumps over it) and ends when it reads `end`. Instants are drawn near 2026's
   * offset changes of zones with whole-hour, half-hour and 30-minute DST shifts, and anywhere in the year.
   */
  it("agrees with a minute-by-minute walk of the local clock, near DST changes and elsewhere", () => {
    const changes: Array<[string, string]> = [
      ["Europe/Berlin", "2026-03-29T01:00:00Z"],
      ["Europe/Berlin", "2026-10-25T01:00:00Z"],
      ["America/New_York", "2026-03-08T07:00:00Z"],
      ["America/New_York", "2026-11-01T06:00:00Z"],
      ["Australia/Lord_Howe", "2026-04-04T15:00:00Z"],
      ["Australia/Lord_Howe", "2026-10-03T15:30:00Z"],
      ["America/St_Johns", "2026-03-08T05:30:00Z"],
      ["America/St_Johns", "2026-11-01T04:30:00Z"],
    ];
    const nearChange = fc
      .tuple(fc.constantFrom(...changes), fc.integer({ min: -36 * 60, max: 36 * 60 }))
      .map(([[timeZone, change], minutes]) => ({ timeZone, now: at(change) + minutes * MINUTE }));
    const anywhere = fc
      .tuple(fc.constantFrom("UTC", "Asia/Tokyo", "Asia/Kolkata", "America/Los_Angeles", "Europe/Berlin"), fc.integer({ min: 0, max: 365 * 1440 }))
      .map(([timeZone, minutes]) => ({ timeZone, now: at("2026-01-01T00:00:00Z") + minutes * MINUTE }));
    const clock = fc.oneof(fc.integer({ min: 0, max: 95 }).map((quarter) => quarter * 15), fc.integer({ min: 0, max: 1439 })).map(hhmm);

    fc.assert(
      fc.property(fc.oneof(nearChange, nearChange, anywhere), clock, clock, ({ timeZone, now }, start, end) => {
        const quiet = { start, end, timeZone };
        expect(quietHoursEnd(now, quiet)).toBe(walkedEnd(now, quiet));
      }),
      { numRuns: 100 },
    );
  });
});

describe("validateQuietHours", () => {
  it("accepts full quiet hours, clearing both, a time zone alone, and nothing at all", () => {
    expect(validateQuietHours("22:00", "07:00", "Europe/Berlin")).toEqual([]);
    expect(validateQuietHours("00:00", "23:59", "UTC")).toEqual([]);
    expect(validateQuietHours("", "", "")).toEqual([]);
    expect(validateQuietHours(undefined, undefined, "America/New_York")).toEqual([]);
    expect(validateQuietHours(null, null, null)).toEqual([]);
    expect(validateQuietHours(undefined, undefined, undefined)).toEqual([]);
  });

  it.each(["7:00", "24:00", "12:60", "1200", "12:00 ", "noon", "12:00:00"])("refuses %p as a clock time, naming the field", (bad) => {
    expect(validateQuietHours(bad, "07:00", undefined)).toEqual([expect.stringMatching(/^quietHoursStart must be a 24-hour time HH:MM/)]);
    expect(validateQuietHours("22:00", bad, undefined)).toEqual([expect.stringMatching(/^quietHoursEnd must be a 24-hour time HH:MM/)]);
  });

  it("refuses a start without an end, and the other way round", () => {
    expect(validateQuietHours("22:00", undefined, undefined)).toEqual([expect.stringMatching(/^quietHoursEnd must be given with quietHoursStart/)]);
    expect(validateQuietHours(null, "07:00", undefined)).toEqual([expect.stringMatching(/^quietHoursStart must be given with quietHoursEnd/)]);
    expect(validateQuietHours("", "07:00", undefined)).toEqual([expect.stringMatching(/^quietHoursStart must be given with quietHoursEnd/)]);
    expect(validateQuietHours("22:00", "", undefined)).toEqual([expect.stringMatching(/^quietHoursEnd must be given with quietHoursStart/)]);
  });

  it.each(["Mars/Olympus_Mons", "Europe/Berlinn", "GMT+25", "Europe"])("refuses %p as a time zone", (zone) => {
    expect(validateQuietHours("22:00", "07:00", zone)).toEqual([expect.stringMatching(/^timeZone must be an IANA time zone/)]);
  });

  it("accepts UTC and aliases, which Intl.supportedValuesOf does not list", () => {
    expect(validateQuietHours(undefined, undefined, "UTC")).toEqual([]);
    expect(validateQuietHours(undefined, undefined, "Asia/Calcutta")).toEqual([]);
  });

  it("reports every problem at once", () => {
    expect(validateQuietHours("25:00", undefined, "Nowhere")).toHaveLength(3);
  });
});

const MINUTE = 60_000;

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/** Local wall time in minutes since 1970-01-01 (as if UTC). */
function localMinutes(instant: number, timeZone: string): number {
  if (!clocks.has(timeZone)) {
    const options = { hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" } as const;
    clocks.set(timeZone, new Intl.DateTimeFormat("en-US", { timeZone, ...options }));
  }
  const parts = Object.fromEntries(clocks.get(timeZone)!.formatToParts(instant).map((part) => [part.type, Number(part.value)]));
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute) / MINUTE;
}

/** The reference: walks the clock minute by minute (every offset change in these zones is on a whole minute). */
function walkedEnd(now: number, { start, end, timeZone }: QuietHours): number | null {
  if (start === end) return null;
  const minuteOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));
  // The clock times shown at `instant`, and those it jumped over since the minute before.
  const readAt = (instant: number): Set<number> => {
    const before = localMinutes(instant - MINUTE, timeZone);
    const now = localMinutes(instant, timeZone);
    const read = new Set<number>();
    for (let m = now > before ? before + 1 : now; m <= now; m++) read.add(((m % 1440) + 1440) % 1440);
    return read;
  };
  for (let t = now; t > now - 3 * 1440 * MINUTE; t -= MINUTE) {
    const read = readAt(t);
    if (read.has(minuteOf(end))) return null;
    if (read.has(minuteOf(start))) {
      for (let next = now + MINUTE; ; next += MINUTE) if (readAt(next).has(minuteOf(end))) return next;
    }
  }
  throw new Error("no start or end within three days");
}
