import type { ChangeKind, DetectionProblem, Finding } from "../changes/types.js";
import type { Clause, Level, RoleId } from "../policy/model.js";

/** What `evaluate` decided about a pull request; the app and the CLI only present and apply it. */
export interface Decision {
  conclusion: "success" | "failure";
  level: Level;
  areas: AreaDecision[];
  /** Changed paths no area owns. */
  unowned: string[];
  requirements: RequirementStatus[];
  /** Roles of the all-of parts of requirements, sorted and unique. */
  requiredRoles: RoleId[];
  consulted: RoleId[];
  informed: RoleId[];
  /** The smallest set found of users and teams covering what is missing (never the author). */
  reviewersToRequest: { users: string[]; teams: string[] };
  ticket: TicketStatus;
  /** Sign-off commands found in comments and what became of each (the app replies to them). */
  commands: CommandOutcome[];
  /** A valid `/emergency` override: the check passes, and what it bypassed is on record. */
  emergency?: EmergencyOverride;
  /** Configuration and input problems; any `error` fails the check. */
  problems: DecisionProblem[];
  /** Files a detector could not read (each also yields a conservative finding). */
  detectionProblems: DetectionProblem[];
}

export interface AreaDecision {
  id: string;
  name: string;
  level: Level;
  files: string[];
  /** Change kinds found in the area's files, with evidence. */
  changes: Finding[];
  accountable: RoleId;
}

export interface Signature {
  role: RoleId;
  login: string;
  via: "review" | "command";
}

/** One sign-off a pull request needs, before looking at who signed. */
export interface RequirementSpec {
  /** Stable id: `area/rule` (`area/base` for the area's own level). */
  id: string;
  area: string;
  rule: string;
  level: Level;
  /** Why it is required: the rule and the evidence (a finding or a label). */
  reason: string;
  clauses: Clause[];
  /** Roles whose input must precede approval. */
  requireInputFrom: RoleId[];
}

export interface RequirementStatus extends RequirementSpec {
  /** Whether that input has been given (true when none is required). */
  inputGiven: boolean;
  satisfied: boolean;
  signatures: Signature[];
  /** Clauses still short of people, with how many are missing. */
  missing: Clause[];
  /** Logins whose "changes requested" review blocks this requirement. */
  blockedBy: string[];
  /** Roles moved up the escalation path because only the author holds them. */
  escalations: { from: RoleId; to: RoleId; why: string }[];
  /** Steps taken up the area's escalation path because the review SLA passed. */
  slaEscalations: { step: number; toRole: RoleId }[];
  /** Notes for the summary (stale approvals, edited commands, input order). */
  notes: string[];
}

export interface EmergencyOverride {
  by: string;
  reason: string;
  commentId: number;
  /** Requirements that were not met when the override was used. */
  bypassed: { id: string; missing: Clause[]; roles: RoleId[] }[];
  /** Whether a ticket reference was also missing. */
  ticketBypassed: boolean;
}

export interface TicketStatus {
  required: boolean;
  pattern?: string;
  /** Ticket keys found in the title or body. */
  found: string[];
  /** Areas that require a ticket. */
  areas: string[];
}

export interface CommandOutcome {
  commentId: number;
  login: string;
  command: string;
  counted: boolean;
  /** Why it did not count, in words fit for a reply. */
  reason?: string;
}

export interface DecisionProblem {
  severity: "error" | "warning";
  message: string;
  /** What to do about it. */
  fix?: string;
}

export type { ChangeKind };
