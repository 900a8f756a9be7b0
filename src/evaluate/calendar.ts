import { DateTime } from "luxon";
import type { BusinessCalendar } from "../policy/model.js";

/**
 * Business-time arithmetic over the policy's calendar (`sla`): working days, working
 * hours as local wall-clock times in an IANA time zone, and holidays as local dates.
 * Pure: no clock reads; every instant comes in as an argument.
 *
 * Conventions (relied on by the escalation sweep and its tests):
 * - Each working date has one window, [hours.start, hours.end) local time. Business
 *   time is the real time elapsed inside those windows. On the rare day a DST change
 *   falls inside the window (e.g. hours 01:00–05:00 on the last Sunday of March in
 *   Europe/Berlin) the window is an hour shorter or longer than written; for the
 *   usual 09:00–17:00 a DST change only moves the window's UTC offset.
 * - A business day is the nominal length of one window (8 h for 09:00–17:00);
 *   `businessDays` and `businessHours` add up.
 * - Luxon resolves the local times; a local time that does not exist (the skipped
 *   DST hour) is moved forward by the gap, as luxon does.
 */

export type BusinessDuration = BusinessCalendar["review"];

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Luxon's weekday numbers: 1 is Monday, 7 is Sunday. */
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

interface CompiledCalendar {
  zone: string;
  /** Luxon weekday numbers (1–7) that are working days. */
  days: Set<number>;
  holidays: Set<string>;
  open: { hour: number; minute: number };
  close: { hour: number; minute: number };
  /** Nominal length of one working day's window. */
  dayMs: number;
}

/**
 * Business time elapsed from `start` to `end`, in milliseconds. 0 when `end` is not
 * after `start` (or either is not a valid date).
 * @throws RangeError for a calendar that can never be open (see `compile`).
 */
export function businessMillisecondsBetween(
  start: Date,
  end: Date,
  calendar: BusinessCalendar,
): number {
  const cal = compile(calendar);
  const from = start.getTime();
  const to = end.getTime();
  if (!(from < to)) return 0; // also false for NaN
  const last = localDate(to, cal).toMillis();
  let total = 0;
  for (let day = localDate(from, cal); day.toMillis() <= last; day = day.plus({ days: 1 })) {
    const w = windowOn(day, cal);
    if (w) total += Math.max(0, Math.min(w.close, to) - Math.max(w.open, from));
  }
  return total;
}

/**
 * The instant at which `duration` of business time has elapsed since `start`: the
 * earliest instant `t` with `businessMillisecondsBetween(start, t) === duration`.
 * Starting outside working hours counts from the next opening; time that runs out
 * exactly at a closing returns the closing (not the next opening). A zero duration
 * returns `start` itself.
 * @throws RangeError for a negative or non-finite duration, an invalid `start`, or a
 *   calendar that can never be open.
 */
export function addBusinessTime(
  start: Date,
  duration: BusinessDuration,
  calendar: BusinessCalendar,
): Date {
  return addBusinessMilliseconds(start, businessDurationMilliseconds(duration, calendar), calendar);
}

/** `addBusinessTime` with the duration already in business milliseconds. */
export function addBusinessMilliseconds(
  start: Date,
  milliseconds: number,
  calendar: BusinessCalendar,
): Date {
  const cal = compile(calendar);
  const from = start.getTime();
  if (Number.isNaN(from)) throw new RangeError("addBusinessTime: start is not a valid date");
  if (!Number.isFinite(milliseconds) || milliseconds < 0)
    throw new RangeError(
      `addBusinessTime: duration must be a finite, non-negative amount (got ${milliseconds} ms)`,
    );
  if (milliseconds === 0) return new Date(from);
  let remaining = milliseconds;
  // compile() guarantees a working weekday, so every week past the holidays has a
  // window and the loop ends; the generous bound only turns a bug into an error.
  const guard = 7 * (cal.holidays.size + 2 + 2 * Math.ceil(milliseconds / cal.dayMs));
  let day = localDate(from, cal);
  for (let i = 0; i <= guard; i++, day = day.plus({ days: 1 })) {
    const w = windowOn(day, cal);
    if (!w) continue;
    const opensAt = Math.max(w.open, from);
    if (opensAt >= w.close) continue;
    const available = w.close - opensAt;
    if (remaining <= available) return new Date(opensAt + remaining);
    remaining -= available;
  }
  throw new RangeError(`addBusinessTime: the calendar in ${cal.zone} found no working hours`);
}

/** A duration in business milliseconds: `businessDays` × one working day's hours + `businessHours`. */
export function businessDurationMilliseconds(
  duration: BusinessDuration,
  calendar: BusinessCalendar,
): number {
  const { dayMs } = compile(calendar);
  const days = duration.businessDays ?? 0;
  const hours = duration.businessHours ?? 0;
  if (!Number.isFinite(days) || !Number.isFinite(hours) || days < 0 || hours < 0) {
    throw new RangeError(
      `business durations must be finite and non-negative (got ${JSON.stringify(duration)})`,
    );
  }
  return Math.round(days * dayMs + hours * HOUR_MS);
}

/** The SLA a pending sign-off runs against: the expedited one for an expedited pull request. */
export function slaFor(calendar: BusinessCalendar, expedited: boolean): BusinessDuration {
  return expedited ? calendar.expedited : calendar.review;
}

/**
 * Checks the calendar and brings it into a form the loops can use. The policy loader
 * already rejects these mistakes; checking again keeps a hand-built calendar from
 * looping or silently counting nothing.
 */
function compile(calendar: BusinessCalendar): CompiledCalendar {
  const zone = calendar.timezone;
  if (!DateTime.fromMillis(0, { zone }).isValid)
    throw new RangeError(`unknown time zone "${zone}" (use an IANA name such as Europe/Berlin)`);
  const open = parseTime(calendar.hours.start);
  const close = parseTime(calendar.hours.end);
  const dayMs = (close.hour * 60 + close.minute - (open.hour * 60 + open.minute)) * MINUTE_MS;
  if (dayMs <= 0)
    throw new RangeError(
      `working hours must end after they start (${calendar.hours.start}–${calendar.hours.end})`,
    );
  const days = new Set(
    calendar.workingDays.map((d) => WEEKDAYS.indexOf(d) + 1).filter((n) => n > 0),
  );
  if (days.size === 0) throw new RangeError("the calendar has no working days");
  return { zone, days, holidays: new Set(calendar.holidays), open, close, dayMs };
}

function parseTime(text: string): { hour: number; minute: number } {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  const hour = Number(m?.[1]);
  const minute = Number(m?.[2]);
  if (!m || hour > 23 || minute > 59)
    throw new RangeError(`"${text}" is not a time HH:MM (24-hour)`);
  return { hour, minute };
}

/**
 * The local calendar date of an instant, as midnight UTC of that date: stepping it
 * with `plus({ days: 1 })` is pure date arithmetic, untouched by DST.
 */
function localDate(instant: number, cal: CompiledCalendar): DateTime {
  const local = DateTime.fromMillis(instant, { zone: cal.zone });
  return DateTime.utc(local.year, local.month, local.day);
}

/** The working window on a local date, as instants; `undefined` on a day off. */
function windowOn(
  day: DateTime,
  cal: CompiledCalendar,
): { open: number; close: number } | undefined {
  if (!cal.days.has(day.weekday) || cal.holidays.has(day.toISODate() ?? "")) return undefined;
  const date = { year: day.year, month: day.month, day: day.day };
  const open = DateTime.fromObject({ ...date, ...cal.open }, { zone: cal.zone }).toMillis();
  const close = DateTime.fromObject({ ...date, ...cal.close }, { zone: cal.zone }).toMillis();
  // Only when both ends fall in a DST gap can the window vanish.
  return close > open ? { open, close } : undefined;
}
