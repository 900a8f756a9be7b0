import type { ChangeKind, DetectionProblem, Finding } from "../changes/types.js";
import type { Clause, ConflictKind, Level, RoleId } from "../policy/model.js";

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
  /**
   * Changed files that state governance (the policy and the files it extends,
   * and whatever else the areas owning the policy file hold: CODEOWNERS, the
   * ownership matrix): merging amends the governance, which is announced. Absent: none.
   */
  amends?: string[];
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
  /** Its approvers disagree (changes requested beside approvals): who may settle it, and whether they did. */
  mediation?: MediationStatus;
}

/**
 * A disagreement between a requirement's approvers (seed 000 "Conflict
 * Resolution") and the policy's path for settling it. An `approve` decision
 * replaces the requirement; a `reject` keeps it failing, with the rationale.
 */
export interface MediationStatus {
  kind: ConflictKind;
  /** Who requested changes, and who approved. */
  blockedBy: string[];
  approvedBy: string[];
  /** When both stood (ISO 8601): the negotiation clock starts here. */
  since: string;
  /** The role that may decide: the path's mediator, or the next role up the area's escalation path if that one cannot. */
  mediator?: RoleId;
  /** Why the mediator is not the path's own (its members are parties, the author or contributors). */
  movedFrom?: { role: RoleId; why: string };
  /** Why nobody may decide it, with what to do instead (then `mediator` is undefined). */
  undecidable?: string;
  /** From when the mediator may decide (ISO 8601). */
  decidableFrom: string;
  /** By when the decision is due (ISO 8601), when the path sets one. */
  dueBy?: string;
  /**
   * Who the decision goes to once `dueBy` passes without one: the next role above
   * the mediator on the area's escalation path that someone independent holds
   * (they may then decide too). Absent: the path sets no deadline, or nobody is above.
   */
  escalatesTo?: RoleId;
  /** Set when `dueBy` has passed without a decision. */
  overdue?: true;
  decision?: MediationDecision;
}

export interface MediationDecision {
  by: string;
  role: RoleId;
  verdict: "approve" | "reject";
  rationale: string;
  commentId: number;
  /** ISO 8601. */
  at: string;
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
  /**
   * Changed files outside `ticket.exemptPaths` when the policy asks every change
   * for a ticket (`ticket.everyChange`): the ticket is required for them. Empty
   * otherwise, or when every file is exempt.
   */
  unexempt: string[];
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
