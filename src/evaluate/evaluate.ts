import { classify } from "../changes/registry.js";
import type { ChangeKind } from "../changes/types.js";
import {
  POLICY_FILE,
  type Area,
  type Clause,
  type Level,
  type Policy,
  type RoleId,
  type Rule,
} from "../policy/model.js";
import { formatProblem } from "../policy/problems.js";
import { ticketKeysIn } from "../policy/ticket-pattern.js";
import type {
  AreaDecision,
  CommandOutcome,
  Decision,
  DecisionProblem,
  RequirementStatus,
  Signature,
  TicketStatus,
} from "./decision.js";
import type { Facts } from "./facts.js";
import { matchSlots } from "./matching.js";
import {
  AMENDMENT_FLOOR,
  amendmentAreas,
  builtInAmendmentArea,
  fallbackOwners,
  POLICY_AREA_ID,
  policyFiles,
} from "./governance.js";
import { emergencyRefusal, emergencyRoles } from "./emergency.js";
import { mediate, mediatorsToAsk } from "./mediation.js";
import { Membership } from "./membership.js";
import {
  areaRequirements,
  authorConditionMayHold,
  declaredKinds,
  PathMatches,
  unownedKindRequirements,
  withoutSubsumed,
  type RequirementSpec,
  type TouchedArea,
} from "./requirements.js";
import { chooseReviewers, type OpenSlot } from "./reviewers.js";
import { collectSignOffs, type SignerState, type SignOffs } from "./signoffs.js";

/**
 * The whole decision about a pull request, as a pure function of the policy, the
 * facts and the time. No I/O and no clock: the app and the CLI call exactly this.
 */
export function evaluate(policy: Policy, facts: Facts, now: Date): Decision {
  const membership = new Membership(policy, facts.teamMembers);
  const author = facts.author.toLowerCase();
  const problems: DecisionProblem[] = [];

  const { findings, problems: detectionProblems } = facts.pathsOnly
    ? { findings: [], problems: [] }
    : classify(facts.files, policy.detectors);
  const declared = declaredKinds(policy, facts.labels);
  const pathMatches = new PathMatches(policy);
  const { touched, unowned, amendments, routed } = touchedAreas(
    policy,
    pathMatches,
    facts,
    findings,
    declared,
    (rule) => authorConditionMayHold(rule.when.author, author, membership),
  );

  const ctx = {
    labels: facts.labels,
    author,
    membership,
    unknownMembership: new Map<string, Set<string>>(),
    pathMatches,
  };
  const specs = touched.flatMap((t) => areaRequirements(policy, t, ctx));
  const pseudoAreas = [UNOWNED_AREA];
  if (amendments.length > 0) {
    // The policy's own files: judged as the policy file by the areas owning it;
    // where that asks less than joint approval, the built-in amendment rule does.
    const own = touched
      .map((t) => ({ ...t, files: t.files.filter((f) => amendments.includes(f)) }))
      .filter((t) => t.files.length > 0)
      .flatMap((t) =>
        areaRequirements(
          policy,
          { ...t, findings: t.findings.filter((f) => amendments.includes(f.path)) },
          { ...ctx, unknownMembership: new Map() },
        ),
      );
    if (!own.some((s) => s.level >= AMENDMENT_FLOOR)) {
      const area = builtInAmendmentArea(policy);
      const builtIn: TouchedArea = {
        area,
        files: amendments,
        findings: findings.filter((f) => amendments.includes(f.path)),
        accountables: area.approvers!.all,
      };
      touched.push(builtIn);
      pseudoAreas.push(area);
      specs.push(...areaRequirements(policy, builtIn, ctx));
    }
  }
  if (unowned.length > 0) {
    // Files no area owns are still judged, whatever else the change touches:
    // rules for every area (executive labels, path rules, change kinds) hold for
    // them, with the policy's fallback owners as their accountable.
    const inUnowned = (path: string) => unowned.includes(path);
    const unownedTouch: TouchedArea = {
      area: UNOWNED_AREA,
      files: unowned,
      findings: findings.filter((f) => inUnowned(f.path)),
      aliases: renames(facts),
      accountables: fallbackOwners(policy),
    };
    const applied = areaRequirements(policy, unownedTouch, ctx).filter((s) => s.rule !== "base");
    // A kind no area owns still needs someone: the fallback owners, at the kind's level.
    specs.push(
      ...withoutSubsumed([
        ...applied,
        ...unownedKindRequirements(policy, unownedTouch, declared, applied),
      ]),
    );
  }
  const areaById = new Map([...policy.areas, ...pseudoAreas].map((a) => [a.id, a]));
  // Who cannot sign: the author and, unless the policy allows it, whoever pushed commits to the change.
  const notIndependent = new Set(
    [
      author,
      ...(policy.signoff.contributorsCanSign
        ? []
        : (facts.contributors ?? []).map((c) => c.toLowerCase())),
    ].filter(Boolean),
  );
  const escalated = specs.map((spec) =>
    escalateAuthorOnlyRoles(
      spec,
      areaById.get(spec.area) ?? UNOWNED_AREA,
      author,
      notIndependent,
      membership,
      problems,
    ),
  );

  const signOffs = collectSignOffs(facts, policy);
  const requirements = escalated.map((e) => {
    const status = requirementStatus(e, policy, signOffs, membership);
    const path = areaById.get(e.area)?.escalation ?? [];
    status.slaEscalations = (facts.escalations ?? [])
      .filter((x) => x.requirement === e.id && path[x.step] !== undefined)
      .map((x) => ({ step: x.step, toRole: path[x.step]! }));
    return status;
  });
  // Approvers who disagree: the policy's mediator may settle it (an approval replaces the requirement).
  const decisions = mediate(requirements, {
    policy,
    labels: facts.labels,
    signOffs,
    membership,
    notIndependent,
    areaById,
    now,
  });

  const specLevels = new Map<string, Level[]>();
  for (const s of specs) specLevels.set(s.area, [...(specLevels.get(s.area) ?? []), s.level]);
  const areas: AreaDecision[] = touched.map((t) => ({
    id: t.area.id,
    name: t.area.name,
    level: maxLevel([t.area.level, ...(specLevels.get(t.area.id) ?? [])]),
    files: t.files,
    changes: t.findings,
    accountable: t.area.accountable,
  }));
  const level = maxLevel([1, ...areas.map((a) => a.level), ...specs.map((s) => s.level)]);

  if (unowned.length > 0 && policy.unowned.action !== "pass") {
    problems.push({
      severity: policy.unowned.action === "fail" ? "error" : "warning",
      message: `${unowned.length} changed file${unowned.length === 1 ? "" : "s"} no area owns: ${preview(unowned)}`,
      fix: "add the paths to an area in .github/governance.yml (every file should have an owner)",
    });
  }
  if (routed.length > 0 && policy.unowned.action !== "pass") {
    // Owned this time by what changed, but the path itself has no owner: the next change to it may carry no kind.
    const shown = routed.map(
      (r) => `${r.path} (${r.owners.map((o) => `${o.area}: ${o.kinds.join(", ")}`).join("; ")})`,
    );
    problems.push({
      severity: policy.unowned.action === "fail" ? "error" : "warning",
      message: `${routed.length} changed file${routed.length === 1 ? "" : "s"} no area's paths match, owned only through what changed: ${preview(shown)}`,
      fix: "add the paths to an area in .github/governance.yml, so that every change to them has an owner (every file should have an owner)",
    });
  }
  for (const p of facts.proposedPolicy?.problems ?? []) {
    problems.push({
      severity: p.severity,
      message: `the proposed ${facts.proposedPolicy!.file}: ${formatProblem(p)}`,
      fix:
        p.severity === "error"
          ? "fix the policy in this pull request: a broken policy cannot merge"
          : undefined,
    });
  }
  if (facts.incomplete) {
    problems.push({
      severity: "error",
      message: facts.incomplete,
      fix: "split the pull request so every changed file can be reviewed",
    });
  }
  for (const p of detectionProblems) {
    problems.push({
      severity: "warning",
      message: `${p.path}: ${p.message} (${p.detector}); classified conservatively`,
    });
  }
  const readLabels = new Set(
    policy.rules.flatMap((r) => r.when.labels.map((l) => l.toLowerCase())),
  );
  for (const held of facts.heldLabels ?? []) {
    if (!readLabels.has(held.name.toLowerCase())) continue;
    problems.push({
      severity: "warning",
      message: `label "${held.name}" was removed by @${held.removedBy}, who wrote or pushed to this pull request, so it still applies: nothing the author does lowers the level`,
      fix: `if the label does not apply, someone else removes it (add it back, then remove it)`,
    });
  }

  const ticket = ticketStatus(policy, facts, touched);
  if (ticket.required && ticket.found.length === 0) {
    problems.push({
      severity: "error",
      message: missingTicketMessage(ticket),
      fix: policy.ticket?.projects
        ? `add a ticket key of ${policy.ticket.projects.join(" or ")} (e.g. ${policy.ticket.projects[0]}-123) to the title or description`
        : `add a ticket key matching /${ticket.pattern}/ (e.g. PROJ-123) to the title or description`,
    });
  }

  // A team GitHub did not return cannot sign; say so where it matters, or the check just waits.
  const unreadTeams = new Map<string, Set<RoleId>>();
  for (const r of requirements) {
    if (r.satisfied) continue;
    for (const role of r.missing.flatMap((c) => c.roles)) {
      for (const team of membership.members(role).unresolvedTeams)
        unreadTeams.set(team, (unreadTeams.get(team) ?? new Set()).add(role));
    }
  }
  for (const [team, roles] of unreadTeams) {
    problems.push({
      severity: "warning",
      message: `the members of team ${team} (${[...roles].sort().join(", ")}) are not known, so none of them can sign`,
      fix: `check that the team exists and that the app may read it (organisation permission "Members: read"); or bind the role to users`,
    });
  }
  for (const [team, rules] of ctx.unknownMembership) {
    problems.push({
      severity: "warning",
      message: `whether the author @${author} is in team ${team} is not known, so ${[...rules]
        .sort()
        .map((r) => `rule "${r}"`)
        .join(", ")} ${rules.size === 1 ? "applies" : "apply"} as the stricter case`,
      fix: `check that the team exists and that the app may read it (organisation permission "Members: read"); or bind the role to users`,
    });
  }

  const openSlots: OpenSlot[] = requirements.flatMap((r) =>
    r.satisfied
      ? []
      : r.missing.flatMap((c) =>
          Array.from({ length: c.count }, () => ({
            requirement: r.id,
            roles: c.roles,
            signedBy: r.signatures.map((s) => s.login.toLowerCase()),
          })),
        ),
  );
  const courtesyRoles = [
    ...areas.flatMap((a) => {
      const area = areaById.get(a.id)!;
      return a.level === 1 ? area.responsible : area.consulted;
    }),
    ...requirements.filter((r) => !r.inputGiven).flatMap((r) => r.requireInputFrom),
    ...(unowned.length > 0 ? policy.unowned.reviewers : []),
  ];
  const reviewersToRequest = chooseReviewers({
    slots: openSlots,
    courtesyRoles,
    author,
    notIndependent,
    membership,
    requested: facts.requestedReviewers,
    // Someone who reviewed an earlier commit is asked again: the push cleared their approval.
    reviewed: facts.reviews.filter((r) => r.commitId === facts.headSha).map((r) => r.user),
    mediators: mediatorsToAsk(requirements, now),
  });

  const emergency = emergencyOverride(
    policy,
    signOffs,
    requirements,
    ticket,
    facts.labels,
    membership,
  );
  const commands = [
    ...commandOutcomes(signOffs, requirements, membership),
    ...emergencyOutcomes(policy, signOffs, requirements, facts.labels, membership, emergency),
    ...decisions,
  ];
  const failed =
    problems.some((p) => p.severity === "error") || requirements.some((r) => !r.satisfied);
  const governanceAreas = new Set([POLICY_AREA_ID, ...amendmentAreas(policy).map((a) => a.id)]);
  const amends = sortedUnique([
    ...amendments,
    ...touched.filter((t) => governanceAreas.has(t.area.id)).flatMap((t) => t.files),
  ]);
  return {
    conclusion: failed && !emergency ? "failure" : "success",
    emergency,
    ...(amends.length > 0 ? { amends } : {}),
    level,
    areas,
    unowned,
    requirements,
    requiredRoles: sortedUnique(
      requirements.flatMap((r) => r.clauses.filter(isAllOf).map((c) => c.roles[0]!)),
    ),
    // The touched areas' consulted roles and those a rule waits for input from, which may
    // belong to no touched area (a Socket.IO major in package.json waits for the Frontend Lead).
    consulted: sortedUnique([
      ...touched.flatMap((t) => t.area.consulted),
      ...requirements.flatMap((r) => r.requireInputFrom),
    ]),
    informed: sortedUnique(touched.flatMap((t) => t.area.informed)),
    reviewersToRequest,
    ticket,
    commands,
    problems,
    detectionProblems,
  };
}

const UNOWNED_AREA: Area = {
  id: "unowned",
  name: "Files no area owns",
  paths: [],
  accountable: "",
  responsible: [],
  consulted: [],
  informed: [],
  level: 1,
  escalation: [],
  ticket: false,
};

function touchedAreas(
  policy: Policy,
  pathMatches: PathMatches,
  facts: Facts,
  findings: Decision["areas"][number]["changes"],
  declared: ReadonlyMap<ChangeKind, string[]>,
  mayApplyToAuthor: (rule: Rule) => boolean,
) {
  const byArea = new Map<number, Set<string>>();
  const unowned: string[] = [];
  const amendments: string[] = [];
  const routed: { path: string; owners: { area: string; kinds: ChangeKind[] }[] }[] = [];
  const governance = policyFiles(policy);
  const aliases = renames(facts);
  const kindsByPath = new Map<string, Set<ChangeKind>>();
  for (const f of findings)
    kindsByPath.set(f.path, (kindsByPath.get(f.path) ?? new Set()).add(f.kind));
  const addTo = (area: number, path: string) => {
    const files = byArea.get(area);
    if (files) files.add(path);
    else byArea.set(area, new Set([path]));
  };
  for (const file of facts.files) {
    // Most files of a large pull request are neither renamed nor the policy's, and
    // carry no kind: they belong exactly to the areas their path matches.
    if (
      file.previousPath === undefined &&
      declared.size === 0 &&
      !kindsByPath.has(file.path) &&
      !governance.has(file.path)
    ) {
      const areas = pathMatches.areasOf(file.path);
      if (areas.length === 0) unowned.push(file.path);
      for (const a of areas) addTo(a, file.path);
      continue;
    }
    // A rename counts under both paths: moving a manifest out of k8s/ must not
    // escape the infrastructure owners.
    const paths = file.previousPath !== undefined ? [file.path, file.previousPath] : [file.path];
    const hits = new Set(pathMatches.areasOf(file.path));
    if (file.previousPath !== undefined)
      for (const a of pathMatches.areasOf(file.previousPath)) hits.add(a);
    // A file the policy is built from is the policy: owned as the policy file is.
    if (paths.some((p) => governance.has(p))) {
      amendments.push(file.path);
      for (const a of pathMatches.areasOf(POLICY_FILE)) hits.add(a);
      aliases.set(file.path, [...(aliases.get(file.path) ?? []), POLICY_FILE]);
    } else {
      // What changed in it (or what a label declares) reaches the areas owning
      // those kinds wherever the file is: a DROP COLUMN under apps/ still needs
      // the DBA. Beside the areas its paths match, a kind reaches an owner with a
      // rule for it, and only when none of those areas has one (an area that
      // rules on a kind already decides who signs for it there; an owner with no
      // rule for it would add only its base sign-off). Joining only ever adds
      // requirements. (The policy's own files are judged as the policy is.)
      const pathAreas = [...hits];
      const fileKinds = kindsByPath.get(file.path);
      // Most files of a large pull request carry no kind: skip the owners' search for them.
      const kinds =
        fileKinds === undefined && declared.size === 0
          ? []
          : [...(fileKinds ?? []), ...declared.keys()].filter(
              (k) => !pathAreas.some((a) => rulesOn(policy, a, k, paths, mayApplyToAuthor)),
            );
      const owners = (kinds.length === 0 ? [] : kindOwners(policy, new Set(kinds)))
        .map((o) =>
          pathAreas.length === 0
            ? o
            : {
                area: o.area,
                kinds: o.kinds.filter((k) => rulesOn(policy, o.area, k, paths, mayApplyToAuthor)),
              },
        )
        .filter((o) => o.kinds.length > 0);
      // Only a file no area's paths match is warned about (its path has no owner);
      // a path-owned file's joins show in the owning area's files and its rules' evidence.
      if (hits.size === 0 && owners.length === 0) unowned.push(file.path);
      else if (hits.size === 0)
        routed.push({
          path: file.path,
          owners: owners.map((o) => ({ area: policy.areas[o.area]!.id, kinds: o.kinds })),
        });
      for (const o of owners) hits.add(o.area);
    }
    for (const a of hits) addTo(a, file.path);
  }
  const touched: TouchedArea[] = [...byArea.keys()]
    .sort((a, b) => a - b)
    .map((index) => {
      const files = byArea.get(index)!;
      return {
        area: policy.areas[index]!,
        files: [...files],
        findings: findings.length === 0 ? [] : findings.filter((f) => files.has(f.path)),
        aliases,
      };
    });
  return { touched, unowned, amendments, routed };
}

/**
 * Whether a rule of the area (by index) names `kind` for a file at one of `paths`
 * and can apply to this author: a rule for another kind of author (a DBA's own
 * migration) does not decide who signs for this one.
 */
function rulesOn(
  policy: Policy,
  area: number,
  kind: ChangeKind,
  paths: readonly string[],
  mayApplyToAuthor: (rule: Rule) => boolean,
): boolean {
  const id = policy.areas[area]!.id;
  return policy.rules.some(
    (r) =>
      (!r.areas || r.areas.includes(id)) &&
      mayApplyToAuthor(r) &&
      r.when.kinds.includes(kind) &&
      (r.when.pathMatchers.length === 0 ||
        paths.some((p) => r.when.pathMatchers.some((m) => m.match(p)))),
  );
}

/** The areas (by index) that own any of `kinds`, each with the kinds it owns among them. */
function kindOwners(
  policy: Policy,
  kinds: ReadonlySet<ChangeKind>,
): { area: number; kinds: ChangeKind[] }[] {
  if (kinds.size === 0) return [];
  return policy.areas.flatMap((area, index) => {
    const owned = (area.owns ?? []).filter((k) => kinds.has(k));
    return owned.length > 0 ? [{ area: index, kinds: owned }] : [];
  });
}

/** Each renamed file's old path, by its new path. */
function renames(facts: Facts): Map<string, string[]> {
  return new Map(
    facts.files
      .filter((f) => f.previousPath !== undefined && f.previousPath !== f.path)
      .map((f) => [f.path, [f.previousPath!]]),
  );
}

interface EscalatedSpec extends RequirementSpec {
  escalations: RequirementStatus["escalations"];
}

/**
 * A role only the author holds cannot sign (the author never counts), and making
 * it optional would let an author lower their own bar. It moves one step up the
 * area's escalation path instead, and the summary says so. The same holds for a
 * role whose only members pushed commits to the change (they are not
 * independent either). A role bound to nobody cannot be satisfied at all: that
 * is a configuration error, and the check fails.
 */
function escalateAuthorOnlyRoles(
  spec: RequirementSpec,
  area: Area,
  author: string,
  notIndependent: ReadonlySet<string>,
  membership: Membership,
  problems: DecisionProblem[],
): EscalatedSpec {
  const escalations: RequirementStatus["escalations"] = [];
  const onlyAuthor = (role: RoleId) => {
    const m = membership.members(role);
    return (
      !m.boundToNobody &&
      m.unresolvedTeams.length === 0 &&
      m.logins.size > 0 &&
      [...m.logins].every((l) => notIndependent.has(l))
    );
  };
  const onlyTheAuthor = (roles: RoleId[]) =>
    roles.every((r) => [...membership.members(r).logins].every((l) => l === author));
  const reportUnbound = (role: RoleId) =>
    problems.push({
      severity: "error",
      message: `role "${role}" is required (${spec.id}) but bound to nobody`,
      fix: `bind it in .github/governance.yml: roles: { ${role}: { users: [login], teams: [team-slug] } }`,
    });
  const clauses: Clause[] = spec.clauses.map((clause) => {
    if (clause.roles.length === 0) {
      problems.push({
        severity: "error",
        message: `${spec.id} needs the accountable role of ${area.name}, and the policy names nobody for it`,
        fix: "name who signs for files no area owns in .github/governance.yml: unowned: { reviewers: [role] }, or give the files an area",
      });
      return clause;
    }
    if (clause.roles.every((r) => membership.members(r).boundToNobody)) {
      clause.roles.forEach(reportUnbound);
      return clause;
    }
    if (!clause.roles.every(onlyAuthor)) return clause;
    const inUse = new Set(spec.clauses.flatMap((c) => c.roles));
    const from = clause.roles.join("/");
    const start = Math.max(...clause.roles.map((r) => area.escalation.indexOf(r)));
    const next = area.escalation
      .slice(start + 1)
      .find((r) => !inUse.has(r) && !onlyAuthor(r) && !membership.members(r).boundToNobody);
    if (!next) {
      problems.push({
        severity: "error",
        message: `only ${onlyTheAuthor(clause.roles) ? "the author holds" : "the author and people who pushed commits to this pull request hold"} ${from} (${spec.id}) and the escalation path of ${area.id} has nobody further to sign`,
        fix: `bind another person to ${from} or extend the area's escalation path`,
      });
      return clause;
    }
    escalations.push({
      from,
      to: next,
      why: onlyTheAuthor(clause.roles)
        ? `every member of ${from} is the pull request's author`
        : `every member of ${from} wrote or pushed commits to this pull request`,
    });
    return { roles: [next], count: clause.count };
  });
  return { ...spec, clauses, escalations };
}

function requirementStatus(
  spec: EscalatedSpec,
  policy: Policy,
  signOffs: SignOffs,
  membership: Membership,
): RequirementStatus {
  const commandOnly = policy.levels[spec.level].commandOnly;
  const signedAt = (s: SignerState): number[] => {
    const times: number[] = [];
    if (s.reviewAt !== undefined && !commandOnly) times.push(s.reviewAt);
    if (s.commandAt !== undefined && s.commandLevel >= spec.level) times.push(s.commandAt);
    return times;
  };
  // Input required before approval: a member of the consulted roles other than
  // the signer must have reviewed or commented before the sign-off.
  const inputBefore = (login: string, times: number[]): boolean => {
    if (spec.requireInputFrom.length === 0) return times.length > 0;
    const inputs = [...signOffs.firstInputAt]
      .filter(([who]) => who !== login && membership.isMemberOfAny(who, spec.requireInputFrom))
      .map(([, at]) => at);
    return inputs.length > 0 && times.some((t) => t >= Math.min(...inputs));
  };
  const inputGiven =
    spec.requireInputFrom.length === 0 ||
    [...signOffs.firstInputAt.keys()].some((who) =>
      membership.isMemberOfAny(who, spec.requireInputFrom),
    );

  const eligible = [...signOffs.signers.values()].filter((s) => inputBefore(s.login, signedAt(s)));
  const slots = spec.clauses.flatMap((clause, c) => Array.from({ length: clause.count }, () => c));
  const assigned = matchSlots(
    slots.map((c) =>
      eligible.filter((s) => membership.isMemberOfAny(s.login, spec.clauses[c]!.roles)),
    ),
  );

  const signatures: Signature[] = [];
  const missingCounts = spec.clauses.map(() => 0);
  assigned.forEach((signer, i) => {
    const clause = spec.clauses[slots[i]!]!;
    if (!signer) missingCounts[slots[i]!]!++;
    else
      signatures.push({
        role: clause.roles.find((r) => membership.isMember(signer.login, r))!,
        login: signer.login,
        via: signer.reviewAt !== undefined && !commandOnly ? "review" : "command",
      });
  });
  const missing = spec.clauses
    .map((c, i) => ({ roles: c.roles, count: missingCounts[i]! }))
    .filter((c) => c.count > 0);
  const roles = spec.clauses.flatMap((c) => c.roles);
  const blockedBy = [...signOffs.blockers]
    .filter((login) => membership.isMemberOfAny(login, roles))
    .sort();
  const notes = signOffs.notes.filter((n) => roles.some((r) => noteConcerns(n, r, membership)));
  if (!inputGiven)
    notes.push(
      `waiting for input from ${spec.requireInputFrom.join(", ")} before an approval can count`,
    );
  else if (
    spec.requireInputFrom.length > 0 &&
    missing.length > 0 &&
    [...signOffs.signers.values()].some(
      (s) =>
        signedAt(s).length > 0 &&
        !inputBefore(s.login, signedAt(s)) &&
        membership.isMemberOfAny(s.login, roles),
    )
  ) {
    notes.push(
      `an approval came before ${spec.requireInputFrom.join(", ")} gave input; approve again after it`,
    );
  }
  return {
    id: spec.id,
    area: spec.area,
    rule: spec.rule,
    level: spec.level,
    reason: spec.reason,
    clauses: spec.clauses,
    requireInputFrom: spec.requireInputFrom,
    inputGiven,
    satisfied: missing.length === 0 && blockedBy.length === 0 && inputGiven,
    signatures,
    missing,
    blockedBy,
    escalations: spec.escalations,
    slaEscalations: [],
    notes,
  };
}

/** A stale-approval note concerns a requirement when its subject holds one of the requirement's roles. */
function noteConcerns(note: string, role: RoleId, membership: Membership): boolean {
  const login = /^@([^']+)'s/.exec(note)?.[1];
  return login !== undefined && membership.isMember(login, role);
}

function commandOutcomes(
  signOffs: SignOffs,
  requirements: RequirementStatus[],
  membership: Membership,
): CommandOutcome[] {
  return signOffs.commands.map((event) => {
    const base = { commentId: event.commentId, login: event.login, command: event.text };
    if (event.invalidReason) return { ...base, counted: false, reason: event.invalidReason };
    if (event.cancel) return { ...base, counted: true };
    if (requirements.length === 0)
      return { ...base, counted: false, reason: "this pull request needs no sign-off" };
    const mine = requirements.filter((r) =>
      membership.isMemberOfAny(
        event.login,
        r.clauses.flatMap((c) => c.roles),
      ),
    );
    if (mine.length === 0) {
      const needed = sortedUnique(requirements.flatMap((r) => r.clauses.flatMap((c) => c.roles)));
      return {
        ...base,
        counted: false,
        reason: `@${event.login} is not a member of a role this pull request needs (${needed.join(", ")})`,
      };
    }
    if (mine.every((r) => r.level > event.level)) {
      const lowest = Math.min(...mine.map((r) => r.level));
      return {
        ...base,
        counted: false,
        reason: `nothing at level ${event.level} or below for @${event.login} to sign; the sign-off needed is level ${lowest}: /approve-level${lowest}`,
      };
    }
    return { ...base, counted: true };
  });
}

/**
 * The first valid `/emergency <reason>` from a member of a role authorised to
 * bypass what is unmet (emergency.ts: full authority, a scope, exclusive
 * requirements). It passes the check but never hides anything: every
 * requirement it bypassed is listed, and on merge a post-implementation review
 * is opened for them.
 */
function emergencyOverride(
  policy: Policy,
  signOffs: SignOffs,
  requirements: RequirementStatus[],
  ticket: TicketStatus,
  labels: readonly string[],
  membership: Membership,
): Decision["emergency"] {
  const unmet = requirements.filter((r) => !r.satisfied);
  const valid = signOffs.emergencies.find(
    (e) =>
      !e.invalidReason &&
      emergencyRefusal(policy, e.login, unmet, labels, membership) === undefined,
  );
  if (!valid) return undefined;
  return {
    by: valid.login,
    reason: valid.reason,
    commentId: valid.commentId,
    bypassed: requirements
      .filter((r) => !r.satisfied)
      .map((r) => ({
        id: r.id,
        missing: r.missing,
        roles: sortedUnique(r.clauses.flatMap((c) => c.roles)),
      })),
    ticketBypassed: ticket.required && ticket.found.length === 0,
  };
}

function emergencyOutcomes(
  policy: Policy,
  signOffs: SignOffs,
  requirements: RequirementStatus[],
  labels: readonly string[],
  membership: Membership,
  emergency: Decision["emergency"],
): CommandOutcome[] {
  const unmet = requirements.filter((r) => !r.satisfied);
  return signOffs.emergencies.map((e) => {
    const base = { commentId: e.commentId, login: e.login, command: e.text };
    if (e.invalidReason) return { ...base, counted: false, reason: e.invalidReason };
    if (emergencyRoles(policy).length === 0)
      return {
        ...base,
        counted: false,
        reason: "this policy authorises no role to use the emergency path",
      };
    const refusal = emergencyRefusal(policy, e.login, unmet, labels, membership);
    if (refusal) return { ...base, counted: false, reason: refusal };
    if (emergency && emergency.commentId !== e.commentId)
      return {
        ...base,
        counted: false,
        reason: `an emergency was already declared by @${emergency.by}`,
      };
    return { ...base, counted: true };
  });
}

function ticketStatus(policy: Policy, facts: Facts, touched: TouchedArea[]): TicketStatus {
  const areas = touched.filter((t) => t.area.ticket).map((t) => t.area.id);
  const pattern = policy.ticket?.pattern;
  const projects = policy.ticket?.projects?.map((p) => `${p.toUpperCase()}-`);
  const unexempt = unexemptFiles(policy, facts);
  // A file list GitHub cut short may hide a file that is not exempt.
  const unlisted = !!policy.ticket?.everyChange && !!facts.incomplete;
  const required = areas.length > 0 || unexempt.length > 0 || unlisted;
  // The title and body are the author's: they are scanned only when an area needs a
  // ticket, in linear time and only their first 64 KiB (policy/ticket-pattern.ts).
  const found =
    required && pattern
      ? sortedUnique(
          ticketKeysIn(pattern, facts.title, facts.body).filter(
            (key) => !projects || projects.some((p) => key.toUpperCase().startsWith(p)),
          ),
        )
      : [];
  return { required, pattern, found, areas, unexempt };
}

/**
 * Under `ticket.everyChange`, the changed files that are not exempt. A renamed
 * file is exempt only when both its paths are: moving code into docs/ still
 * changes code.
 */
function unexemptFiles(policy: Policy, facts: Facts): string[] {
  const everyChange = policy.ticket?.everyChange;
  if (!everyChange) return [];
  const exempt = (path: string) => everyChange.index.match(path).length > 0;
  return facts.files
    .filter((f) => !exempt(f.path) || (f.previousPath !== undefined && !exempt(f.previousPath)))
    .map((f) => f.path);
}

/** Why the missing ticket is required: the areas that ask for one name it best, else the policy's every-change rule. */
function missingTicketMessage(ticket: TicketStatus): string {
  if (ticket.areas.length > 0)
    return `areas ${ticket.areas.join(", ")} require a ticket reference in the title or body`;
  const which =
    ticket.unexempt.length > 0
      ? `${preview(ticket.unexempt)} ${ticket.unexempt.length === 1 ? "is" : "are"} not exempt`
      : "not every changed file is listed, so none can be shown to be exempt";
  return `every change needs a ticket reference in the title or body (ticket.everyChange); ${which}`;
}

function isAllOf(clause: Clause): boolean {
  return clause.count === 1 && clause.roles.length === 1;
}

function maxLevel(levels: Level[]): Level {
  return Math.max(...levels) as Level;
}

function sortedUnique<T extends string>(values: T[]): T[] {
  return [...new Set(values)].sort();
}

function preview(paths: string[]): string {
  return paths.length <= 5
    ? paths.join(", ")
    : `${paths.slice(0, 5).join(", ")} and ${paths.length - 5} more`;
}
