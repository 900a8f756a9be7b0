import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  addBusinessMilliseconds,
  addBusinessTime,
  businessDurationMilliseconds,
  businessMillisecondsBetween,
  slaFor,
} from "../../src/evaluate/calendar.js";
import type { BusinessCalendar } from "../../src/policy/model.js";
import { preset } from "../helpers/policy.js";

const HOUR = 3_600_000;

function calendar(overrides: Partial<BusinessCalendar> = {}): BusinessCalendar {
  return {
    timezone: "UTC",
    workingDays: ["mon", "tue", "wed", "thu", "fri"],
    hours: { start: "09:00", end: "17:00" },
    holidays: [],
    review: { businessDays: 2 },
    expedited: { businessHours: 4 },
    ...overrides,
  };
}

/** A local wall-clock time in `zone` as an instant. */
function at(local: string, zone = "UTC"): Date {
  const dt = DateTime.fromISO(local, { zone });
  if (!dt.isValid) throw new Error(`bad test time ${local} in ${zone}`);
  return dt.toJSDate();
}

/** An instant as local wall-clock time in `zone`, with the weekday, for readable assertions. */
function wall(instant: Date, zone = "UTC"): string {
  return DateTime.fromJSDate(instant, { zone }).toFormat("ccc yyyy-MM-dd HH:mm");
}

describe("addBusinessTime", () => {
  it("skips the weekend: Friday 16:00 with a 2-business-day SLA is due Tuesday 16:00", () => {
    const due = addBusinessTime(at("2026-11-20T16:00"), { businessDays: 2 }, calendar());
    expect(wall(due)).toBe("Tue 2026-11-24 16:00");
    expect(due.toISOString()).toBe("2026-11-24T16:00:00.000Z");
  });

  it("skips a holiday that falls in the middle", () => {
    const cal = calendar({ holidays: ["2026-11-26"] });
    // Wed 10–17 (7 h), Thursday off, Friday (8 h), Monday 09:00 + the last hour.
    expect(wall(addBusinessTime(at("2026-11-25T10:00"), { businessDays: 2 }, cal))).toBe(
      "Mon 2026-11-30 10:00",
    );
    expect(wall(addBusinessTime(at("2026-11-25T10:00"), { businessDays: 2 }, calendar()))).toBe(
      "Fri 2026-11-27 10:00",
    );
    // A holiday on the Monday after a weekend pushes the Friday example to Wednesday.
    expect(
      wall(
        addBusinessTime(
          at("2026-11-20T16:00"),
          { businessDays: 2 },
          calendar({ holidays: ["2026-11-23"] }),
        ),
      ),
    ).toBe("Wed 2026-11-25 16:00");
  });

  it("starts counting at the next opening when started outside working hours", () => {
    const cal = calendar();
    // Saturday 03:00: nothing counts until Monday 09:00.
    expect(wall(addBusinessTime(at("2026-11-21T03:00"), { businessHours: 1 }, cal))).toBe(
      "Mon 2026-11-23 10:00",
    );
    expect(wall(addBusinessTime(at("2026-11-21T03:00"), { businessDays: 2 }, cal))).toBe(
      "Tue 2026-11-24 17:00",
    );
    // Before opening and after closing on a working day.
    expect(wall(addBusinessTime(at("2026-11-24T07:00"), { businessHours: 1 }, cal))).toBe(
      "Tue 2026-11-24 10:00",
    );
    expect(wall(addBusinessTime(at("2026-11-24T18:30"), { businessHours: 1 }, cal))).toBe(
      "Wed 2026-11-25 10:00",
    );
  });

  it("gives the expedited 4-business-hour SLA from 15:00 as 11:00 the next working day", () => {
    const cal = calendar();
    const sla = slaFor(cal, true);
    expect(sla).toEqual({ businessHours: 4 });
    expect(wall(addBusinessTime(at("2026-11-24T15:00"), sla, cal))).toBe("Wed 2026-11-25 11:00");
    expect(wall(addBusinessTime(at("2026-11-20T15:00"), sla, cal))).toBe("Mon 2026-11-23 11:00");
  });

  it("ends at a closing rather than the next opening when the time runs out exactly then", () => {
    expect(wall(addBusinessTime(at("2026-11-20T16:00"), { businessHours: 1 }, calendar()))).toBe(
      "Fri 2026-11-20 17:00",
    );
  });

  it("counts a business day as one working day's hours, and adds days and hours up", () => {
    const short = calendar({ hours: { start: "10:00", end: "14:00" } });
    expect(businessDurationMilliseconds({ businessDays: 1 }, short)).toBe(4 * HOUR);
    expect(businessDurationMilliseconds({ businessDays: 1, businessHours: 2 }, short)).toBe(
      6 * HOUR,
    );
    expect(businessDurationMilliseconds({ businessDays: 0.5 }, calendar())).toBe(4 * HOUR);
    expect(businessDurationMilliseconds({}, calendar())).toBe(0);
    // Mon 13:00 + 1 day 2 hours on a 10–14 calendar: Mon 1 h, Tue 4 h, Wed 10:00 + 1 h.
    expect(
      wall(addBusinessTime(at("2026-11-23T13:00"), { businessDays: 1, businessHours: 2 }, short)),
    ).toBe("Wed 2026-11-25 11:00");
  });

  it("honours working days other than Monday to Friday", () => {
    const sundayToThursday = calendar({ workingDays: ["sun", "mon", "tue", "wed", "thu"] });
    // Thursday 16:00 + 2 days: Thu 1 h, Fri and Sat off, Sun 8 h, Mon 09:00 + 7 h.
    expect(
      wall(addBusinessTime(at("2026-11-19T16:00"), { businessDays: 2 }, sundayToThursday)),
    ).toBe("Mon 2026-11-23 16:00");
  });

  it("returns the start itself for a zero duration", () => {
    const start = at("2026-11-21T03:00");
    expect(addBusinessTime(start, {}, calendar())).toEqual(start);
  });

  it("refuses a negative duration or an invalid start", () => {
    expect(() =>
      addBusinessTime(at("2026-11-20T16:00"), { businessHours: -1 }, calendar()),
    ).toThrow(RangeError);
    expect(() =>
      addBusinessMilliseconds(at("2026-11-20T16:00"), Number.POSITIVE_INFINITY, calendar()),
    ).toThrow(RangeError);
    expect(() => addBusinessTime(new Date(Number.NaN), { businessHours: 1 }, calendar())).toThrow(
      RangeError,
    );
  });
});

describe("time zones", () => {
  const rule = { review: { businessDays: 2 } };
  const berlin = calendar({ ...rule, timezone: "Europe/Berlin" });
  const newYork = calendar({ ...rule, timezone: "America/New_York" });
  const tokyo = calendar({ ...rule, timezone: "Asia/Tokyo" });

  it("opens at the same wall-clock time, which is a different instant in each zone", () => {
    const saturday = new Date("2026-11-21T12:00:00Z");
    const due = [berlin, newYork, tokyo].map((cal) =>
      addBusinessTime(saturday, { businessHours: 1 }, cal),
    );
    expect(due.map((d, i) => wall(d, [berlin, newYork, tokyo][i]!.timezone))).toEqual([
      "Mon 2026-11-23 10:00",
      "Mon 2026-11-23 10:00",
      "Mon 2026-11-23 10:00",
    ]);
    expect(due.map((d) => d.toISOString())).toEqual([
      "2026-11-23T09:00:00.000Z",
      "2026-11-23T15:00:00.000Z",
      "2026-11-23T01:00:00.000Z",
    ]);
  });

  it("gives the same SLA from the same instant three different due dates", () => {
    // Friday 20:00 UTC: after closing in Berlin, 15:00 in New York, Saturday 05:00 in Tokyo.
    const start = new Date("2026-11-20T20:00:00Z");
    const due = [berlin, newYork, tokyo].map((cal) =>
      addBusinessTime(start, slaFor(cal, false), cal),
    );
    expect(wall(due[0]!, "Europe/Berlin")).toBe("Tue 2026-11-24 17:00");
    expect(wall(due[1]!, "America/New_York")).toBe("Tue 2026-11-24 15:00");
    expect(wall(due[2]!, "Asia/Tokyo")).toBe("Tue 2026-11-24 17:00");
    expect(due.map((d) => d.toISOString())).toEqual([
      "2026-11-24T16:00:00.000Z",
      "2026-11-24T20:00:00.000Z",
      "2026-11-24T08:00:00.000Z",
    ]);
  });

  it("measures elapsed business time in the calendar's zone", () => {
    // 14:00–20:00 UTC on a Monday: 15:00–21:00 in Berlin (2 h open), 09:00–15:00 in New York (6 h).
    const [from, to] = [new Date("2026-11-23T14:00:00Z"), new Date("2026-11-23T20:00:00Z")];
    expect(businessMillisecondsBetween(from, to, berlin)).toBe(2 * HOUR);
    expect(businessMillisecondsBetween(from, to, newYork)).toBe(6 * HOUR);
    expect(businessMillisecondsBetween(from, to, tokyo)).toBe(0);
  });

  it("reads holidays as local dates of the calendar's zone", () => {
    // Tuesday 2026-11-24 in Tokyo starts at 15:00 UTC on Monday.
    const cal = calendar({ timezone: "Asia/Tokyo", holidays: ["2026-11-24"] });
    expect(
      wall(
        addBusinessTime(new Date("2026-11-23T15:30:00Z"), { businessHours: 1 }, cal),
        "Asia/Tokyo",
      ),
    ).toBe("Wed 2026-11-25 10:00");
  });
});

describe("daylight saving time (Europe/Berlin)", () => {
  const berlin = calendar({ timezone: "Europe/Berlin" });

  it("keeps the local due time across the spring change (last Sunday of March)", () => {
    // Friday 2026-03-27 16:00 CET (UTC+1) → Tuesday 16:00 CEST (UTC+2): 47 real hours later, not 48.
    const start = at("2026-03-27T16:00", "Europe/Berlin");
    const due = addBusinessTime(start, { businessDays: 2 }, berlin);
    expect(wall(due, "Europe/Berlin")).toBe("Tue 2026-03-31 16:00");
    expect(due.toISOString()).toBe("2026-03-31T14:00:00.000Z");
    expect(start.toISOString()).toBe("2026-03-27T15:00:00.000Z");
  });

  it("keeps the local due time across the autumn change (last Sunday of October)", () => {
    const start = at("2026-10-23T16:00", "Europe/Berlin");
    const due = addBusinessTime(start, { businessDays: 2 }, berlin);
    expect(wall(due, "Europe/Berlin")).toBe("Tue 2026-10-27 16:00");
    expect(due.toISOString()).toBe("2026-10-27T15:00:00.000Z");
  });

  it("counts a full working week over a DST change as 40 business hours", () => {
    for (const [from, to] of [
      ["2026-03-23T09:00", "2026-03-30T09:00"],
      ["2026-10-19T09:00", "2026-10-26T09:00"],
    ] as const) {
      expect(
        businessMillisecondsBetween(at(from, "Europe/Berlin"), at(to, "Europe/Berlin"), berlin),
      ).toBe(40 * HOUR);
    }
  });

  it("counts real elapsed time when the change falls inside the working hours", () => {
    const night = calendar({
      timezone: "Europe/Berlin",
      workingDays: ["sun"],
      hours: { start: "01:00", end: "05:00" },
    });
    const day = (date: string): number =>
      businessMillisecondsBetween(
        at(`${date}T00:00`, "Europe/Berlin"),
        at(`${date}T12:00`, "Europe/Berlin"),
        night,
      );
    expect(day("2026-03-22")).toBe(4 * HOUR);
    expect(day("2026-03-29")).toBe(3 * HOUR); // 02:00 → 03:00: an hour is skipped
    expect(day("2026-10-25")).toBe(5 * HOUR); // 03:00 → 02:00: an hour is repeated
    // And adding time agrees with it: 4 h from the spring opening spill into the next Sunday.
    const due = addBusinessTime(
      at("2026-03-29T01:00", "Europe/Berlin"),
      { businessHours: 4 },
      night,
    );
    expect(wall(due, "Europe/Berlin")).toBe("Sun 2026-04-05 02:00");
  });
});

describe("businessMillisecondsBetween", () => {
  const cal = calendar();

  it("counts only working hours on working days", () => {
    expect(businessMillisecondsBetween(at("2026-11-20T16:00"), at("2026-11-24T16:00"), cal)).toBe(
      16 * HOUR,
    );
    expect(businessMillisecondsBetween(at("2026-11-23T10:30"), at("2026-11-23T12:00"), cal)).toBe(
      1.5 * HOUR,
    );
    expect(
      businessMillisecondsBetween(
        at("2026-11-20T16:00"),
        at("2026-11-24T16:00"),
        calendar({ holidays: ["2026-11-23"] }),
      ),
    ).toBe(8 * HOUR);
  });

  it("counts nothing from Saturday 03:00 until Monday's 09:00 opening", () => {
    expect(businessMillisecondsBetween(at("2026-11-21T03:00"), at("2026-11-23T09:00"), cal)).toBe(
      0,
    );
    expect(businessMillisecondsBetween(at("2026-11-21T03:00"), at("2026-11-23T09:30"), cal)).toBe(
      0.5 * HOUR,
    );
  });

  it("is 0 when the end is not after the start, or a date is invalid", () => {
    expect(businessMillisecondsBetween(at("2026-11-24T16:00"), at("2026-11-23T10:00"), cal)).toBe(
      0,
    );
    expect(businessMillisecondsBetween(at("2026-11-24T16:00"), at("2026-11-24T16:00"), cal)).toBe(
      0,
    );
    expect(businessMillisecondsBetween(new Date(Number.NaN), at("2026-11-24T16:00"), cal)).toBe(0);
    expect(businessMillisecondsBetween(at("2026-11-24T16:00"), new Date(Number.NaN), cal)).toBe(0);
  });

  it("rejects a calendar that can never be open", () => {
    const from = at("2026-11-23T10:00");
    const to = at("2026-11-24T10:00");
    expect(() =>
      businessMillisecondsBetween(from, to, calendar({ timezone: "Mars/Olympus_Mons" })),
    ).toThrow(/unknown time zone/);
    expect(() =>
      businessMillisecondsBetween(from, to, calendar({ hours: { start: "17:00", end: "09:00" } })),
    ).toThrow(/must end after they start/);
    expect(() =>
      businessMillisecondsBetween(from, to, calendar({ hours: { start: "9am", end: "17:00" } })),
    ).toThrow(/HH:MM/);
    expect(() =>
      addBusinessTime(from, { businessHours: 1 }, calendar({ workingDays: [] })),
    ).toThrow(/no working days/);
  });
});

describe("the policy's calendar", () => {
  it("uses the preset's SLA: 2 business days, 4 business hours expedited, 09:00–17:00 UTC", async () => {
    const { sla } = await preset("chat-backend");
    expect(slaFor(sla, false)).toEqual({ businessDays: 2 });
    expect(slaFor(sla, true)).toEqual({ businessHours: 4 });
    expect(wall(addBusinessTime(at("2026-11-20T16:00"), slaFor(sla, false), sla))).toBe(
      "Tue 2026-11-24 16:00",
    );
  });
});

describe("adding and measuring agree", () => {
  const zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe"];
  const hours = [
    { start: "09:00", end: "17:00" },
    { start: "01:00", end: "05:00" },
    { start: "02:30", end: "03:00" },
    { start: "00:00", end: "23:59" },
  ];
  const arbitraryCalendar = fc.record({
    timezone: fc.constantFrom(...zones),
    workingDays: fc.uniqueArray(
      fc.constantFrom(...(["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const)),
      { minLength: 1 },
    ),
    hours: fc.constantFrom(...hours),
    holidays: fc.uniqueArray(
      fc
        .integer({ min: 0, max: 400 })
        .map((d) => DateTime.utc(2026, 1, 1).plus({ days: d }).toISODate()!),
      { maxLength: 20 },
    ),
    review: fc.constant({ businessDays: 2 }),
    expedited: fc.constant({ businessHours: 4 }),
  });
  const instant = fc
    .integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) })
    .map((ms) => new Date(ms));

  it("the business time from start to addBusinessTime(start, d) is exactly d, and not reached a millisecond sooner", () => {
    fc.assert(
      fc.property(
        arbitraryCalendar,
        instant,
        fc.integer({ min: 0, max: 30 * 8 * HOUR }),
        (cal, start, ms) => {
          const due = addBusinessMilliseconds(start, ms, cal);
          expect(due.getTime()).toBeGreaterThanOrEqual(start.getTime());
          expect(businessMillisecondsBetween(start, due, cal)).toBe(ms);
          if (ms > 0)
            expect(businessMillisecondsBetween(start, new Date(due.getTime() - 1), cal)).toBe(
              ms - 1,
            );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("elapsed business time adds up over consecutive spans", () => {
    fc.assert(
      fc.property(arbitraryCalendar, instant, instant, instant, (cal, ...ts) => {
        const [a, b, c] = ts.sort((x, y) => x.getTime() - y.getTime()) as [Date, Date, Date];
        expect(
          businessMillisecondsBetween(a, b, cal) + businessMillisecondsBetween(b, c, cal),
        ).toBe(businessMillisecondsBetween(a, c, cal));
      }),
      { numRuns: 100 },
    );
  });
});

describe("working hours on the half hour (seed 000: a business day is the calendar's working day, whatever its length)", () => {
  // 08:30–17:30 is a 9-hour day: one business day from Monday 08:30 is Tuesday 08:30,
  // and two from Friday 17:00 is Tuesday 17:00 (Monday's 9 hours, then Tuesday's).
  const halfHours = calendar({ hours: { start: "08:30", end: "17:30" } });

  it("a business day is 9 hours from 08:30 to 17:30", () => {
    expect(businessDurationMilliseconds({ businessDays: 1 }, halfHours)).toBe(9 * HOUR);
    expect(wall(addBusinessTime(at("2026-11-23T08:30"), { businessDays: 1 }, halfHours))).toBe(
      "Mon 2026-11-23 17:30",
    );
    expect(wall(addBusinessTime(at("2026-11-23T12:00"), { businessDays: 1 }, halfHours))).toBe(
      "Tue 2026-11-24 12:00",
    );
    expect(wall(addBusinessTime(at("2026-11-20T17:00"), { businessDays: 2 }, halfHours))).toBe(
      "Tue 2026-11-24 17:00",
    );
  });

  it("a duration that is negative or not finite is refused, not counted as nothing", () => {
    for (const duration of [{ businessDays: -1 }, { businessHours: -2 }, { businessDays: NaN }])
      expect(() => businessDurationMilliseconds(duration, halfHours)).toThrow(
        /business durations must be finite and non-negative/,
      );
  });
});
