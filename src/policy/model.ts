import type { ChangeKind, DetectorSettings } from "../changes/types.js";
import type { Minimatch } from "minimatch";
import type { AreaIndex } from "./match.js";

/**
 * The resolved policy: `extends` applied, defaults filled, references checked,
 * globs compiled. This is what `evaluate` reads; it is never mutated.
 */

export type Level = 1 | 2 | 3 | 4;
export type RoleId = string;

export interface Role {
  id: RoleId;
  description?: string;
  /** Lower-cased GitHub logins. */
  users: string[];
  /** Team slugs, `slug` or `org/slug`, as written. */
  teams: string[];
}

/**
 * One "slot group" of a requirement: `count` distinct people, each a member of one
 * of `roles`. An all-of list becomes one clause per role with count 1, so a
 * requirement is always a list of clauses satisfied by a matching.
 */
export interface Clause {
  roles: RoleId[];
  count: number;
}

export interface Approvers {
  /** Roles that must each sign, by distinct people. */
  all: RoleId[];
  /** An optional N-of-M clause over further roles. */
  any?: { roles: RoleId[]; count: number };
}

export interface Area {
  id: string;
  name: string;
  paths: string[];
  /**
   * Change kinds the area owns in files no area's paths match (see schema.ts).
   * Absent on the app's own pseudo-areas (unowned files, the built-in amendment rule).
   */
  owns?: ChangeKind[];
  accountable: RoleId;
  responsible: RoleId[];
  consulted: RoleId[];
  informed: RoleId[];
  level: Level;
  /** Sign-off the area needs at its base level; `undefined` at level 1 (nothing). */
  approvers?: Approvers;
  escalation: RoleId[];
  ticket: boolean;
  /** The area's own review SLA, where it differs from the policy's `sla.review`. */
  sla?: { businessDays?: number; businessHours?: number };
}

export interface AuthorCondition {
  memberOf?: RoleId[];
  notMemberOf?: RoleId[];
}

export interface Rule {
  id: string;
  description?: string;
  /** `undefined`: every area. */
  areas?: string[];
  when: {
    kinds: ChangeKind[];
    labels: string[];
    paths: string[];
    /** `paths` compiled once with the policy. */
    pathMatchers: Minimatch[];
    author?: AuthorCondition;
  };
  level: Level;
  /** `$accountable` already stands for the area's DRI; resolved per area at evaluation. */
  approvers: Approvers;
  requireInputFrom: RoleId[];
}

export interface LevelSettings {
  name: string;
  commandOnly: boolean;
}

export interface BusinessCalendar {
  timezone: string;
  workingDays: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[];
  hours: { start: string; end: string };
  holidays: string[];
  review: { businessDays?: number; businessHours?: number };
  expedited: { businessDays?: number; businessHours?: number };
}

/** Wall-clock hours, or business time on the policy's calendar (`sla`); the parts add up. */
export interface MediationDuration {
  businessDays?: number;
  businessHours?: number;
  hours?: number;
}

/**
 * The kinds of disagreement a governance document names a mediator for (seed 000
 * "Conflict Resolution"): between peers, across functions, during an incident.
 */
export type ConflictKind = "incident" | "peer" | "cross-functional";

/** Who settles one kind of disagreement between required approvers, and when. */
export interface MediationPath {
  kind: ConflictKind;
  description?: string;
  mediator: RoleId;
  /** How long the parties negotiate first (`{}`: the mediator may decide at once). */
  after: MediationDuration;
  /** By when the decision is due once the mediator may decide. */
  within?: MediationDuration;
  /** `peer`: the roles that are peers of each other. */
  roles: RoleId[];
  /** `incident`: labels that mark incident work. */
  labels: string[];
}

/** What one role may bypass with `/emergency`: requirements of these areas and rules, on a pull request with one of these labels (empty: any). */
export interface EmergencyScope {
  role: RoleId;
  description?: string;
  areas: string[];
  rules: string[];
  labels: string[];
}

/** Where a repository's policy lives; always governance, whatever a policy's areas say. */
export const POLICY_FILE = ".github/governance.yml";

export interface Policy {
  /** Files the policy was assembled from, outermost (the repository's) first. */
  sources: string[];
  /**
   * Paths, in the repository the policy governs, of the files it was assembled
   * from (the policy file and the files it extends there). Changing any of them
   * changes the rules, so each is governance (see evaluate/governance.ts).
   */
  files: string[];
  roles: Map<RoleId, Role>;
  areas: Area[];
  rules: Rule[];
  levels: Record<Level, LevelSettings>;
  signoff: { invalidateOnPush: boolean; contributorsCanSign: boolean };
  unowned: { action: "pass" | "warn" | "fail"; reviewers: RoleId[] };
  emergency: {
    /** Full emergency authority. */
    roles: RoleId[];
    reviewWithinHours: number;
    allowAuthor: boolean;
    /** Roles with emergency authority only within a scope (absent: none). */
    scoped?: EmergencyScope[];
    /** Requirements only some roles may bypass (absent: none beyond the full authority's reach). */
    exclusive?: { roles: RoleId[]; rules: string[]; areas: string[] };
  };
  /** When the ownership matrix is reviewed next: a document stating "Next Review: …", or the date; `owners` empty means the governance owners. */
  matrixReview?: { document?: string; next?: string; owners: RoleId[] };
  /** Mediation paths, most specific first: incident, peer, cross-functional (those the policy names). */
  mediation: MediationPath[];
  sla: BusinessCalendar;
  ticket?: TicketSettings;
  detectors: DetectorSettings;
  /** Path → areas, compiled once when the policy is loaded. */
  index: AreaIndex;
}

export interface TicketSettings {
  pattern: string;
  projects?: string[];
  /**
   * When every pull request must cite a ticket (`ticket.everyChange`), whatever
   * areas it touches: `paths` are the exempt globs as written, `index` the same
   * compiled (one pseudo-area, so `!glob` excludes as in an area's paths).
   * Absent: only areas with `ticket: true` ask for one.
   */
  everyChange?: { exemptPaths: string[]; index: AreaIndex };
}

export const LEVEL_NAMES: Record<Level, string> = {
  1: "Full autonomy",
  2: "Consultation required",
  3: "Joint approval",
  4: "Executive approval",
};
