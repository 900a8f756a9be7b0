import type { Area, MediationDuration, MediationPath, Policy, RoleId } from "../policy/model.js";
import { addBusinessTime } from "./calendar.js";
import type { CommandOutcome, MediationStatus, RequirementStatus } from "./decision.js";
import { isExclusive } from "./emergency.js";
import type { Membership } from "./membership.js";
import type { DecideEvent, SignOffs } from "./signoffs.js";

/**
 * Conflict resolution (seed 000 "Conflict Resolution", seed 002 "Disagreement
 * Resolution"): when a requirement's approvers disagree — a "changes requested"
 * review stands beside approvals — the parties negotiate for the time the
 * policy's mediation path gives them; after it, the path's mediator settles it
 * with `/governance decide approve|reject <rationale>`. An approval replaces
 * that requirement (and only it); a rejection keeps it failing, with the
 * rationale on record. Pure: times come from the reviews and comments.
 *
 * The mediator is independent: never the author, a contributor, nor one of the
 * people who disagree. When nobody in the path's role is, the next role up the
 * area's escalation path mediates (as a role only the author holds escalates).
 *
 * A path's `within` is the mediator's deadline (seed 000: "decision binding
 * within 1 business day"). Once it passes without a decision, the decision goes
 * one step further up the area's escalation path (`escalatesTo`): that role may
 * decide too, and the escalation sweep tells it (evaluate/escalation.ts).
 */

export interface MediationInput {
  policy: Policy;
  labels: readonly string[];
  signOffs: SignOffs;
  membership: Membership;
  /** The author and, unless the policy allows them, contributors. */
  notIndependent: ReadonlySet<string>;
  areaById: ReadonlyMap<string, Area>;
  /** The evaluation's clock: whether a mediator's deadline has passed. */
  now: Date;
}

/**
 * Marks each requirement whose approvers disagree with its mediation status
 * and applies the mediator's latest valid decision; returns what became of
 * every `/governance decide` command (each is answered).
 */
export function mediate(
  requirements: RequirementStatus[],
  input: MediationInput,
): CommandOutcome[] {
  const { signOffs } = input;
  const conflicts = requirements.filter((r) => r.blockedBy.length > 0 && r.signatures.length > 0);
  for (const requirement of conflicts) {
    const status = conflictStatus(requirement, input);
    if (!status) continue;
    requirement.mediation = status;
    const decision = latestDecision(status, requirement, input);
    if (!decision) {
      if (status.mediator && status.dueBy && input.now.getTime() >= Date.parse(status.dueBy))
        status.overdue = true;
      continue;
    }
    status.decision = decision;
    requirement.satisfied = decision.verdict === "approve";
  }
  return signOffs.decisions.map((event) => outcome(event, requirements, conflicts, input));
}

/**
 * Whom to ask for a review because a disagreement is now theirs to decide: the
 * mediator once the parties' time is up, and the role above once the mediator's
 * deadline passed; never anyone who is a party to it. None once it is decided.
 */
export function mediatorsToAsk(
  requirements: readonly RequirementStatus[],
  now: Date,
): { role: RoleId; parties: string[] }[] {
  return requirements.flatMap((r) => {
    const m = r.mediation;
    if (!m?.mediator || m.decision || now.getTime() < Date.parse(m.decidableFrom)) return [];
    const roles = [m.mediator, ...(m.overdue && m.escalatesTo ? [m.escalatesTo] : [])];
    return roles.map((role) => ({ role, parties: partiesOf(r) }));
  });
}

/** The path that governs a disagreement, its mediator and its clock; undefined when the policy names none. */
function conflictStatus(
  requirement: RequirementStatus,
  input: MediationInput,
): MediationStatus | undefined {
  const { policy, signOffs } = input;
  const parties = partiesOf(requirement);
  const roles = requirement.clauses.flatMap((c) => c.roles);
  const path = policy.mediation.find((p) => applies(p, parties, roles, input));
  if (!path) return undefined;
  const blockedSince = Math.min(
    ...requirement.blockedBy.map((b) => signOffs.blockedAt.get(b.toLowerCase()) ?? 0),
  );
  const approvedSince = Math.min(...requirement.signatures.map((s) => signedAt(s.login, signOffs)));
  // The disagreement exists once both a blocking review and an approval stand.
  const since = new Date(Math.max(blockedSince, approvedSince));
  const decidableFrom = after(since, path.after, policy);
  const { mediator, movedFrom, undecidable } =
    exclusiveLock(path, requirement, policy) ?? mediatorFor(path, requirement, parties, input);
  const escalatesTo =
    mediator && path.within ? nextMediator(mediator, requirement, parties, input) : undefined;
  return {
    kind: path.kind,
    blockedBy: [...requirement.blockedBy],
    approvedBy: requirement.signatures.map((s) => s.login),
    since: since.toISOString(),
    mediator,
    movedFrom,
    undecidable,
    decidableFrom: decidableFrom.toISOString(),
    dueBy: path.within ? after(decidableFrom, path.within, policy).toISOString() : undefined,
    ...(escalatesTo ? { escalatesTo } : {}),
  };
}

/**
 * What the policy lets nobody bypass ("Security policies: no exceptions"; the
 * amendment process) no mediator overrules either, except the exclusive roles
 * during an incident: the objection stands until it is withdrawn or dismissed.
 */
function exclusiveLock(
  path: MediationPath,
  requirement: RequirementStatus,
  policy: Policy,
): Pick<MediationStatus, "mediator" | "movedFrom" | "undecidable"> | undefined {
  if (!isExclusive(policy, requirement)) return undefined;
  const exclusive = policy.emergency.exclusive!;
  if (path.kind === "incident" && exclusive.roles.includes(path.mediator)) return undefined;
  return {
    mediator: undefined,
    undecidable: `\`${requirement.id}\` allows no exceptions (emergency.exclusive), so no mediator overrules its approvers${exclusive.roles.length > 0 ? ` (only ${exclusive.roles.join(", ")}, on incident work)` : ""}: the objection stands until its reviewer approves or the review is dismissed`,
  };
}

/** Incident work (by label) goes to the incident path; a disagreement only among peers to the peer path; any other across functions. */
function applies(
  path: MediationPath,
  parties: string[],
  roles: RoleId[],
  input: MediationInput,
): boolean {
  if (path.kind === "incident")
    return input.labels.some((l) => path.labels.some((w) => w.toLowerCase() === l.toLowerCase()));
  if (path.kind === "peer") {
    const peerRoles = roles.filter((r) => path.roles.includes(r));
    return (
      peerRoles.length > 0 && parties.every((p) => input.membership.isMemberOfAny(p, peerRoles))
    );
  }
  return true;
}

/**
 * The path's mediator when someone holding it is independent of the change and
 * of the disagreement; otherwise the next such role up the area's escalation path.
 */
function mediatorFor(
  path: MediationPath,
  requirement: RequirementStatus,
  parties: string[],
  input: MediationInput,
): Pick<MediationStatus, "mediator" | "movedFrom" | "undecidable"> {
  if (canMediate(path.mediator, parties, input)) return { mediator: path.mediator };
  const members = [...input.membership.members(path.mediator).logins];
  const why =
    members.length === 0
      ? `nobody known holds ${path.mediator}`
      : `every member of ${path.mediator} is ${members.some((m) => parties.includes(m)) ? "a party to the disagreement" : "the author or a contributor"}`;
  const next = nextMediator(path.mediator, requirement, parties, input);
  const undecidable = next
    ? undefined
    : `nobody independent of the change and the disagreement holds ${path.mediator} or a role above it on the ${requirement.area} escalation path: bind another person to ${path.mediator}`;
  return { mediator: next, movedFrom: { role: path.mediator, why }, undecidable };
}

/** Whether someone holding `role` is independent of the change and of the disagreement. */
function canMediate(role: RoleId, parties: string[], input: MediationInput): boolean {
  const excluded = new Set([...input.notIndependent, ...parties]);
  return [...input.membership.members(role).logins].some((l) => !excluded.has(l));
}

/**
 * The first role above both `role` and the disagreeing roles on the area's
 * escalation path that someone independent holds: who mediates when `role`
 * cannot, or decides when `role` did not in time.
 */
function nextMediator(
  role: RoleId,
  requirement: RequirementStatus,
  parties: string[],
  input: MediationInput,
): RoleId | undefined {
  const escalation = input.areaById.get(requirement.area)?.escalation ?? [];
  const partyRoles = requirement.clauses.flatMap((c) => c.roles);
  const start = Math.max(escalation.indexOf(role), ...partyRoles.map((r) => escalation.indexOf(r)));
  return escalation.slice(start + 1).find((r) => canMediate(r, parties, input));
}

/** The latest valid decision by an eligible mediator, posted once the parties' time was up. */
function latestDecision(
  status: MediationStatus,
  requirement: RequirementStatus,
  input: MediationInput,
): MediationStatus["decision"] {
  const valid = input.signOffs.decisions.filter((d) => {
    if (d.invalidReason || !d.verdict) return false;
    const role = deciderRole(d.login, status, requirement, input);
    return role !== undefined && d.at >= decidableAs(role, status);
  });
  const last = valid.sort((a, b) => a.at - b.at || a.commentId - b.commentId).at(-1);
  if (!last) return undefined;
  return {
    by: last.login,
    role: deciderRole(last.login, status, requirement, input)!,
    verdict: last.verdict!,
    rationale: last.rationale,
    commentId: last.commentId,
    at: new Date(last.at).toISOString(),
  };
}

/** The role `login` may decide as: the mediator, else the role an overdue decision escalates to; undefined if neither. */
function deciderRole(
  login: string,
  status: MediationStatus,
  requirement: RequirementStatus,
  input: MediationInput,
): RoleId | undefined {
  const who = login.toLowerCase();
  if (!status.mediator || input.notIndependent.has(who) || partiesOf(requirement).includes(who))
    return undefined;
  if (input.membership.isMember(who, status.mediator)) return status.mediator;
  if (status.escalatesTo && input.membership.isMember(who, status.escalatesTo))
    return status.escalatesTo;
  return undefined;
}

/** From when a role may decide: the mediator once the parties' time is up; the role above only once the mediator's deadline passed. */
function decidableAs(role: RoleId, status: MediationStatus): number {
  return Date.parse(
    role === status.mediator ? status.decidableFrom : (status.dueBy ?? status.decidableFrom),
  );
}

/** What became of one `/governance decide`, in words fit for a reply when it did not count. */
function outcome(
  event: DecideEvent,
  requirements: RequirementStatus[],
  conflicts: RequirementStatus[],
  input: MediationInput,
): CommandOutcome {
  const base = { commentId: event.commentId, login: event.login, command: event.text };
  if (event.invalidReason) return { ...base, counted: false, reason: event.invalidReason };
  const mediated = requirements.filter((r) => r.mediation);
  if (conflicts.length === 0) {
    return {
      ...base,
      counted: false,
      reason:
        "no required approvers disagree here (a mediator decides only when a required approver's changes-requested review stands beside approvals)",
    };
  }
  if (mediated.length === 0) {
    return {
      ...base,
      counted: false,
      reason:
        "the policy names no mediator for this disagreement (add a path under `mediation:` in .github/governance.yml)",
    };
  }
  const who = event.login.toLowerCase();
  const reasons: string[] = [];
  for (const r of mediated) {
    const m = r.mediation!;
    const role = deciderRole(who, m, r, input);
    if (role !== undefined && role !== m.mediator) {
      if (event.at >= decidableAs(role, m)) return { ...base, counted: true };
      reasons.push(
        `@${event.login} is not a member of ${m.mediator}, who mediates the disagreement on \`${r.id}\`; it goes to ${role} only if ${m.mediator} has not decided by ${m.dueBy}`,
      );
    } else if (role !== undefined) {
      if (event.at >= Date.parse(m.decidableFrom)) return { ...base, counted: true };
      reasons.push(
        `the disagreement on \`${r.id}\` began ${m.since}; the ${m.kind} path gives the parties ${describeDuration(input.policy.mediation.find((p) => p.kind === m.kind)!.after)} to settle it, so its mediator may decide from ${m.decidableFrom}`,
      );
    } else if (partiesOf(r).includes(who))
      reasons.push(
        `@${event.login} is a party to the disagreement on \`${r.id}\` and cannot mediate it`,
      );
    else if (!m.mediator)
      reasons.push(m.undecidable ?? `nobody can mediate the disagreement on \`${r.id}\``);
    else
      reasons.push(
        `@${event.login} is not a member of ${m.mediator}, who mediates the disagreement on \`${r.id}\``,
      );
  }
  return { ...base, counted: false, reason: reasons.join("; ") };
}

/** Everyone in the disagreement: who requested changes and who approved. */
function partiesOf(requirement: RequirementStatus): string[] {
  return [
    ...new Set(
      [...requirement.blockedBy, ...requirement.signatures.map((s) => s.login)].map((l) =>
        l.toLowerCase(),
      ),
    ),
  ];
}

function signedAt(login: string, signOffs: SignOffs): number {
  const s = signOffs.signers.get(login.toLowerCase());
  return Math.min(...[s?.reviewAt, s?.commandAt].filter((t): t is number => t !== undefined));
}

/** `start` plus business time on the policy's calendar, then wall-clock hours. */
function after(start: Date, duration: MediationDuration, policy: Policy): Date {
  const business =
    duration.businessDays || duration.businessHours
      ? addBusinessTime(
          start,
          { businessDays: duration.businessDays, businessHours: duration.businessHours },
          policy.sla,
        )
      : start;
  return new Date(business.getTime() + (duration.hours ?? 0) * 3_600_000);
}

export function describeDuration(duration: MediationDuration): string {
  const parts = [
    duration.businessDays
      ? `${duration.businessDays} business day${duration.businessDays === 1 ? "" : "s"}`
      : "",
    duration.businessHours
      ? `${duration.businessHours} business hour${duration.businessHours === 1 ? "" : "s"}`
      : "",
    duration.hours ? `${duration.hours} h` : "",
  ].filter(Boolean);
  return parts.join(" + ") || "no time";
}
