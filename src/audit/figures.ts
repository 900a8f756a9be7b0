import { businessDurationMilliseconds, businessMillisecondsBetween } from "../evaluate/calendar.js";
import type { BusinessCalendar } from "../policy/model.js";
import type { AuditRow } from "./audit-row.js";

/**
 * The figures of an audit (the HTML report shows them; tests check them):
 * how long sign-offs waited per area and per role against the policy's review
 * SLA, and what merged per month (levels, emergency overrides). Wait is
 * business time, on the calendar of the policy that made the decision, from
 * the head's arrival on the pull request (when the sign-off became needed:
 * every push restarts it) to the review or command that signed.
 */

const HOUR_MS = 3_600_000;

export interface WaitFigure {
  /** The area or role. */
  key: string;
  /** Sign-offs measured. */
  count: number;
  /** Business hours: the median, and the 90th percentile (nearest rank). */
  median: number;
  p90: number;
  /** The review SLA in business hours (the largest when the policies differed). */
  sla?: number;
  /** Sign-offs given within their own policy's SLA. */
  withinSla: number;
}

export interface MonthFigure {
  month: string;
  merged: number;
  emergencies: number;
  /** Merged pull requests by level; `unknown`: no readable record. */
  levels: { 1: number; 2: number; 3: number; 4: number; unknown: number };
}

export interface Figures {
  merged: number;
  exceptions: number;
  byArea: WaitFigure[];
  byRole: WaitFigure[];
  months: MonthFigure[];
  flags: Record<string, number>;
}

interface Wait {
  area: string;
  role: string;
  hours: number;
  sla?: number;
}

export function figures(rows: readonly AuditRow[], period: { since: Date; until: Date }): Figures {
  const waits = rows.flatMap(waitsOf);
  const flags: Record<string, number> = {};
  for (const row of rows) for (const flag of row.flags) flags[flag] = (flags[flag] ?? 0) + 1;
  return {
    merged: rows.length,
    exceptions: rows.filter(isException).length,
    byArea: summarise(waits, (w) => w.area),
    byRole: summarise(waits, (w) => w.role),
    months: months(rows, period),
    flags,
  };
}

/** A row an auditor must look at: anything but an ordinary, fully recorded merge. */
export function isException(row: AuditRow): boolean {
  return row.flags.length > 0;
}

/** The value at or below which `q` of the values lie (nearest rank: always one of the values). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

export function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function waitsOf(row: AuditRow): Wait[] {
  const record = row.decision;
  const calendar = record?.policy.sla as BusinessCalendar | undefined;
  if (!record?.arrivedAt || !calendar) return [];
  const arrived = new Date(record.arrivedAt);
  const sla = businessDurationMilliseconds(calendar.review, calendar) / HOUR_MS;
  return record.signoffs.flatMap((s) =>
    s.at
      ? [
          {
            area: s.area,
            role: s.role,
            hours: businessMillisecondsBetween(arrived, new Date(s.at), calendar) / HOUR_MS,
            ...(sla > 0 ? { sla } : {}),
          },
        ]
      : [],
  );
}

function summarise(waits: readonly Wait[], keyOf: (w: Wait) => string): WaitFigure[] {
  const groups = new Map<string, Wait[]>();
  for (const w of waits) {
    const group = groups.get(keyOf(w));
    if (group) group.push(w);
    else groups.set(keyOf(w), [w]);
  }
  return [...groups.entries()]
    .map(([key, group]) => {
      const hours = group.map((w) => w.hours).sort((a, b) => a - b);
      const slas = group.flatMap((w) => (w.sla !== undefined ? [w.sla] : []));
      return {
        key,
        count: group.length,
        median: round(median(hours)),
        p90: round(quantile(hours, 0.9)),
        ...(slas.length > 0 ? { sla: round(Math.max(...slas)) } : {}),
        withinSla: group.filter((w) => w.sla !== undefined && w.hours <= w.sla).length,
      };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

function months(rows: readonly AuditRow[], period: { since: Date; until: Date }): MonthFigure[] {
  const out = new Map<string, MonthFigure>();
  const first = new Date(Date.UTC(period.since.getUTCFullYear(), period.since.getUTCMonth(), 1));
  for (
    let m = first;
    m <= period.until;
    m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))
  ) {
    const key = m.toISOString().slice(0, 7);
    out.set(key, {
      month: key,
      merged: 0,
      emergencies: 0,
      levels: { 1: 0, 2: 0, 3: 0, 4: 0, unknown: 0 },
    });
  }
  for (const row of rows) {
    const figure = out.get(row.mergedAt.slice(0, 7));
    if (!figure) continue;
    figure.merged++;
    if (row.emergency) figure.emergencies++;
    const level = row.level as 1 | 2 | 3 | 4 | undefined;
    figure.levels[level ?? "unknown"]++;
  }
  return [...out.values()];
}

function round(hours: number): number {
  return Math.round(hours * 100) / 100;
}
