import type { Policy, RoleId } from "../policy/model.js";
import {
  addBusinessMilliseconds,
  businessDurationMilliseconds,
  businessMillisecondsBetween,
  slaFor,
  type BusinessDuration,
} from "./calendar.js";
import type { Decision, RequirementStatus } from "./decision.js";

/**
 * The escalation sweep's plan (DESIGN §6, issue 4 "Escalation sweep"): which pending
 * sign-offs have run past their SLA and whom each one escalates to now. Pure: the
 * caller supplies the decision, the clock and the markers it read back from GitHub,
 * and applies the steps (a comment mentioning `toRole` that carries
 * `escalationMarker(...)`, and a review request).
 */

export interface EscalationStep {
  /** Requirement id (`area/rule`). */
  requirement: string;
  area: string;
  /** Position on the area's escalation path (1 = the first role after the area's own). */
  step: number;
  /** `area.escalation[step]`. */
  toRole: RoleId;
  /** When this step became due: `pendingSince` plus `step` SLA periods of business time. */
  dueAt: Date;
  /** Roles still missing (short clauses, plus the roles whose input is still awaited); sorted. */
  missing: RoleId[];
  /**
   * A disagreement's steps rather than a review SLA's (`requirement` is then
   * `<id>#mediation`, so their markers count apart): step 1 tells the mediator the
   * decision is theirs once the parties' time is up; step 2 takes the decision
   * past a mediator whose deadline (`within`) passed. `toRole` is whom it goes to.
   */
  mediation?: { requirement: string; kind: "decide" | "overdue"; mediator: RoleId };
}

export interface EscalationRecord {
  requirement: string;
  step: number;
}

export interface EscalationInput {
  decision: Decision;
  policy: Policy;
  /** When the head commit arrived: the SLA clock restarts with every push. */
  pendingSince: Date;
  /**
   * When the pull request was last marked ready for review: the SLA clock
   * starts no earlier (time spent as a draft was not time asked for review).
   */
  readyForReviewAt?: Date;
  /** A draft is not asking for review yet: nothing escalates (the check still judges it). */
  draft?: boolean;
  /**
   * The labels that apply to the pull request now (held ones included), each
   * with when it was first added (GitHub's timeline; absent: unknown). A
   * requirement that only a label brought runs its SLA from then at the
   * earliest: its approvers were not asked before it existed.
   */
  labels?: readonly { name: string; firstAddedAt?: Date }[];
  now: Date;
  /** Whether the pull request runs on the expedited SLA (`policy.sla.expedited`). */
  expedited: boolean;
  /** Steps already taken for this head (`parseEscalationMarkers`). */
  alreadyEscalated: EscalationRecord[];
}

/**
 * The escalation steps to take now. For each requirement that is not satisfied, in
 * an area with an escalation path:
 * - the number of whole SLA periods of business time since it was pending (see
 *   `requirementPendingSince`) is the step now due, capped at the path's last
 *   role (`escalation.length - 1`);
 * - the next step is one past the highest step already recorded (1 when none), and
 *   it is returned only if it is due. One step per requirement per sweep, even when
 *   several periods have passed: escalation goes "one step along the area's
 *   escalation path", so a pull request left pending over a long holiday is not
 *   sent to the top of the path in one go; the following sweeps (each after the
 *   previous step's marker is on GitHub) climb on while the later steps are due.
 * - Steps already recorded are never returned again (the sweep is idempotent).
 *
 * Nothing escalates under a valid emergency override (the check passes and the
 * post-implementation review takes over), nor for a draft (it is not asking for
 * review yet; its clock starts when it is marked ready), nor for requirements of
 * changes no area owns (there is no path to follow), nor with a zero SLA.
 *
 * A disagreement that is not decided adds its own steps (`mediationSteps`).
 */
export function planEscalations(input: EscalationInput): EscalationStep[] {
  const { decision, policy, now, expedited, alreadyEscalated } = input;
  if (decision.emergency || input.draft) return [];
  const pendingSince = reviewAskedSince(input);
  // An area may set its own review SLA (amendments: 3 business days); the expedited one applies to every area.
  const periodOf = (area: { sla?: BusinessDuration }) =>
    businessDurationMilliseconds(
      expedited ? policy.sla.expedited : (area.sla ?? slaFor(policy.sla, false)),
      policy.sla,
    );

  const areas = new Map(policy.areas.map((a) => [a.id, a]));
  const highest = new Map<string, number>();
  for (const r of alreadyEscalated)
    highest.set(r.requirement, Math.max(r.step, highest.get(r.requirement) ?? 0));

  const steps: EscalationStep[] = [];
  const seen = new Set<string>();
  for (const requirement of decision.requirements) {
    if (requirement.satisfied || seen.has(requirement.id)) continue;
    seen.add(requirement.id);
    const area = areas.get(requirement.area);
    if (!area) continue;
    const periodMs = periodOf(area);
    if (periodMs <= 0) continue;
    const since = requirementPendingSince(requirement, input, pendingSince);
    const periods = Math.floor(businessMillisecondsBetween(since, now, policy.sla) / periodMs);
    const due = Math.min(periods, area.escalation.length - 1);
    const step = (highest.get(requirement.id) ?? 0) + 1;
    const toRole = area.escalation[step];
    if (step > due || toRole === undefined) continue;
    steps.push({
      requirement: requirement.id,
      area: area.id,
      step,
      toRole,
      dueAt: addBusinessMilliseconds(since, step * periodMs, policy.sla),
      missing: missingRoles(requirement),
    });
  }
  return [...steps, ...mediationSteps(decision, now, highest)];
}

/**
 * When review was asked for this head: its arrival, or the pull request's
 * marking ready for review if that came later. An unreadable time (NaN) is
 * never later: the clock must still run.
 */
function reviewAskedSince(input: EscalationInput): Date {
  const ready = input.readyForReviewAt?.getTime();
  return ready !== undefined && ready > input.pendingSince.getTime()
    ? new Date(ready)
    : input.pendingSince;
}

/**
 * When one requirement became pending: when review was asked for the head
 * (`since`) or, for a requirement only labels brought, when the first of those
 * labels was added, if later (a `breaking-change` label added days after the
 * push gives its approvers their own SLA). A label whose time is unknown, or a
 * finding of the rule's kinds in the area (it came with the head), leaves it at
 * `since`: escalation only notifies, so an earlier start costs an early ping
 * at worst, and a label's first addition cannot be moved later by taking the
 * label off and on again, so no requirement is held back from escalating for good.
 */
function requirementPendingSince(
  requirement: RequirementStatus,
  input: EscalationInput,
  since: Date,
): Date {
  const rule = input.policy.rules.find((r) => r.id === requirement.rule);
  if (!rule || !input.labels) return since;
  const area = input.decision.areas.find((a) => a.id === requirement.area);
  if (area?.changes.some((f) => rule.when.kinds.includes(f.kind))) return since;
  const named = input.labels.filter((l) =>
    rule.when.labels.some((w) => w.toLowerCase() === l.name.toLowerCase()),
  );
  // No label the rule names (a rule of kinds alone, or labels read apart from the decision's).
  if (named.length === 0) return since;
  // An unknown time is NaN, which makes the earliest NaN, which is never later than `since`.
  const first = Math.min(...named.map((l) => l.firstAddedAt?.getTime() ?? Number.NaN));
  return first > since.getTime() ? new Date(first) : since;
}

/** The marker key of a disagreement's steps: apart from the requirement's SLA steps. */
export function mediationKey(requirement: string): string {
  return `${requirement}#mediation`;
}

/**
 * A disagreement's steps, one per sweep like the SLA's: once the mediator may
 * decide, they are told (step 1); once their deadline passed with no decision,
 * the role the decision escalates to is (step 2). Where nobody is above the
 * mediator there is no step 2: the check says so (render/summary.ts).
 */
function mediationSteps(
  decision: Decision,
  now: Date,
  highest: ReadonlyMap<string, number>,
): EscalationStep[] {
  const steps: EscalationStep[] = [];
  const seen = new Set<string>();
  for (const requirement of decision.requirements) {
    const m = requirement.mediation;
    if (requirement.satisfied || !m?.mediator || m.decision || seen.has(requirement.id)) continue;
    seen.add(requirement.id);
    const key = mediationKey(requirement.id);
    const step = (highest.get(key) ?? 0) + 1;
    const [toRole, dueAt, kind] =
      step === 1
        ? [m.mediator, m.decidableFrom, "decide" as const]
        : [m.escalatesTo, m.dueBy, "overdue" as const];
    if (step > 2 || !toRole || !dueAt || now.getTime() < Date.parse(dueAt)) continue;
    steps.push({
      requirement: key,
      area: requirement.area,
      step,
      toRole,
      dueAt: new Date(dueAt),
      missing: missingRoles(requirement),
      mediation: { requirement: requirement.id, kind, mediator: m.mediator },
    });
  }
  return steps;
}

/** The comment that tells a disagreement's step (the escalation marker follows it). */
export function mediationNotice(step: EscalationStep, mentions: string[]): string {
  const m = step.mediation!;
  const who = mentions.join(" ") || `nobody is bound to ${step.toRole}`;
  const how = "`/governance decide approve <rationale>` or `/governance decide reject <rationale>`";
  return m.kind === "decide"
    ? `⚖️ The required approvers of \`${m.requirement}\` disagree, and the time the policy gives them to settle it is up. **${step.toRole}** mediates: ${who} — please decide with ${how}.`
    : `⏰ The mediator's decision on \`${m.requirement}\` (${m.mediator}) was due ${step.dueAt.toISOString()} and has not come. Escalating the decision to **${step.toRole}** (next on the ${step.area} escalation path): ${who} — please decide with ${how}.`;
}

function missingRoles(requirement: RequirementStatus): RoleId[] {
  const roles = requirement.missing.flatMap((c) => c.roles);
  if (!requirement.inputGiven) roles.push(...requirement.requireInputFrom);
  return [...new Set(roles)].sort();
}

const MARKER =
  /^<!--\s*governance-gate:escalation\s+requirement=(\S+)\s+step=(\d+)\s+head=([0-9a-f]+)\s*-->$/i;

/**
 * The hidden marker an escalation comment carries, so the next sweep (or a second
 * replica) can tell the step was taken for this head commit:
 * `<!-- governance-gate:escalation requirement=<id> step=<n> head=<sha> -->`.
 * @throws RangeError for an id or sha that could not be read back.
 */
export function escalationMarker(requirement: string, step: number, headSha: string): string {
  if (!/^[^\s<>]+$/.test(requirement))
    throw new RangeError(`requirement id "${requirement}" cannot go in a marker`);
  if (!Number.isSafeInteger(step) || step < 1)
    throw new RangeError(`escalation step must be a positive integer (got ${step})`);
  if (!/^[0-9a-f]+$/i.test(headSha)) throw new RangeError(`"${headSha}" is not a commit sha`);
  return `<!-- governance-gate:escalation requirement=${requirement} step=${step} head=${headSha.toLowerCase()} -->`;
}

/**
 * The escalations recorded for `headSha` in comment bodies, in order of appearance
 * and without repeats; markers for other commits are ignored (a push restarts the
 * SLA clock). A comment's marker is its last line, whole (the app writes it after
 * everything else): a marker anywhere else may be text the comment quotes. Pass
 * only comments the app itself wrote: anyone can type a marker, and a forged one
 * would hold an escalation back.
 */
export function parseEscalationMarkers(
  commentBodies: string[],
  headSha: string,
): EscalationRecord[] {
  const head = headSha.toLowerCase();
  const found = new Map<string, EscalationRecord>();
  for (const body of commentBodies) {
    const m = MARKER.exec(lastLine(body));
    if (!m) continue;
    const [, requirement, step, sha] = m;
    if (requirement === undefined || step === undefined || sha?.toLowerCase() !== head) continue;
    const record = { requirement, step: Number(step) };
    found.set(`${requirement}\u0000${record.step}`, record);
  }
  return [...found.values()];
}

function lastLine(body: string): string {
  return body.trimEnd().split(/\r?\n/).at(-1)?.trim() ?? "";
}
