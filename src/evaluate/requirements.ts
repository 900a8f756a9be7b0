import type { ChangeKind, Finding } from "../changes/types.js";
import type {
  Approvers,
  Area,
  AuthorCondition,
  Clause,
  Level,
  Policy,
  RoleId,
  Rule,
} from "../policy/model.js";
import { AreaIndex } from "../policy/match.js";
import type { RequirementSpec } from "./decision.js";
import type { Membership } from "./membership.js";

export type { RequirementSpec };

/**
 * What each touched area requires, before looking at who signed: the area's base
 * sign-off and every rule whose `when` holds, with the evidence that made it hold.
 */

export interface TouchedArea {
  area: Area;
  files: string[];
  findings: Finding[];
  /**
   * Further paths a file is judged under, by its (head) path: a rename's old
   * path, and the policy file for a file the policy is built from. A rule's
   * `when.paths` holds when any of a file's paths matches.
   */
  aliases?: Map<string, string[]>;
  /**
   * Who `$accountable` stands for in a pseudo-area (files no area owns, the
   * policy's own files): any one of these roles. Default: the area's accountable.
   */
  accountables?: RoleId[];
}

export interface RequirementContext {
  labels: string[];
  author: string;
  membership: Membership;
  /**
   * Filled in: teams whose members could not be read while a rule's `author`
   * condition needed them, with the rules applied because of it (the stricter case).
   */
  unknownMembership: Map<string, Set<string>>;
  /** Which areas and rules' `when.paths` hold for each path, shared by every area (made at first use when not given). */
  pathMatches?: PathMatches;
}

/** A path no rule's `when.paths` match, the common case: one shared answer, not one array per path. */
const NO_RULES: readonly number[] = [];

/**
 * The areas' globs and the rules' compiled `when.paths` in one index (the rules
 * after the areas), built once per policy: a policy is evaluated again on every
 * event of every pull request it governs, and one lookup per path answers both
 * which areas own it and which rules' paths hold for it (matching a large pull
 * request's paths twice was a tenth of its evaluation).
 */
const combinedIndexes = new WeakMap<Policy, AreaIndex>();

function combinedIndex(policy: Policy): AreaIndex {
  let index = combinedIndexes.get(policy);
  if (!index) {
    const { rules } = policy;
    const areas = policy.index.areas;
    index = new AreaIndex(
      [...areas, ...rules.map((r) => ({ id: r.id, paths: r.when.paths }))],
      [...areas.map(() => undefined), ...rules.map((r) => r.when.pathMatchers)],
    );
    combinedIndexes.set(policy, index);
  }
  return index;
}

/**
 * Which areas own a path and which rules' `when.paths` match it, worked out once
 * per path for one evaluation: a file is judged in each area it belongs to, and
 * a large pull request has thousands of files in hundreds of areas. The areas
 * are exactly `policy.index.match(path)`.
 */
export class PathMatches {
  private readonly index: AreaIndex;
  private readonly areaCount: number;
  /** Per path, the combined index's answer: areas' indices, then rules' offset by `areaCount`, ascending. */
  private readonly hits = new Map<string, readonly number[]>();

  constructor(policy: Policy) {
    this.index = combinedIndex(policy);
    this.areaCount = policy.index.areas.length;
  }

  /** The areas (indices into the policy's areas) whose paths hold `path`, ascending. */
  areasOf(path: string): readonly number[] {
    const hits = this.match(path);
    // Most paths match no rule: the answer is then the index's own array.
    return hits.length === 0 || hits[hits.length - 1]! < this.areaCount
      ? hits
      : hits.filter((i) => i < this.areaCount);
  }

  /**
   * The rules (indices into the policy's rules) one of whose globs matches
   * `path` or one of its `aliases` (a file is judged under all its paths).
   */
  rulesOf(path: string, aliases: readonly string[] | undefined): readonly number[] {
    const own = this.rulesMatching(path);
    if (aliases === undefined || aliases.length === 0) return own;
    const all = [...own];
    for (const alias of aliases)
      for (const rule of this.rulesMatching(alias)) if (!all.includes(rule)) all.push(rule);
    return all;
  }

  private rulesMatching(path: string): readonly number[] {
    const hits = this.match(path);
    if (hits.length === 0 || hits[hits.length - 1]! < this.areaCount) return NO_RULES;
    const rules: number[] = [];
    for (const i of hits) if (i >= this.areaCount) rules.push(i - this.areaCount);
    return rules;
  }

  private match(path: string): readonly number[] {
    let hits = this.hits.get(path);
    if (hits === undefined) this.hits.set(path, (hits = this.index.match(path)));
    return hits;
  }
}

const ACCOUNTABLE = "$accountable";
const EVIDENCE_SHOWN = 3;

export function areaRequirements(
  policy: Policy,
  touched: TouchedArea,
  ctx: RequirementContext,
): RequirementSpec[] {
  const { area } = touched;
  const accountables = touched.accountables ?? [area.accountable];
  const specs: RequirementSpec[] = [];
  if (area.approvers) {
    specs.push({
      id: `${area.id}/base`,
      area: area.id,
      rule: "base",
      level: area.level,
      reason: `level ${area.level} area: ${area.name}`,
      clauses: clausesOf(area.approvers, accountables),
      requireInputFrom: [],
    });
  }
  // Per file of the area, the rules whose paths hold for it: looked up once, not once per rule.
  let fileRules: (readonly number[])[] | undefined;
  const filesInPaths = (rule: number): string[] => {
    const pathMatches = (ctx.pathMatches ??= new PathMatches(policy));
    fileRules ??= touched.files.map((f) => pathMatches.rulesOf(f, touched.aliases?.get(f)));
    return touched.files.filter((_, i) => fileRules![i]!.includes(rule));
  };
  policy.rules.forEach((rule, index) => {
    if (rule.areas && !rule.areas.includes(area.id)) return;
    const evidence = ruleEvidence(rule, touched, ctx, () => filesInPaths(index));
    if (evidence === undefined) return;
    const clauses = clausesOf(rule.approvers, accountables);
    specs.push({
      id: `${area.id}/${rule.id}`,
      area: area.id,
      rule: rule.id,
      level: rule.level,
      reason: rule.description ? `${rule.description} — ${evidence}` : evidence,
      clauses,
      requireInputFrom: rule.requireInputFrom,
    });
  });
  return withoutSubsumed(specs);
}

/** The evidence a rule holds for this area, or undefined when it does not. */
function ruleEvidence(
  rule: Rule,
  touched: TouchedArea,
  ctx: RequirementContext,
  filesInPaths: () => string[],
): string | undefined {
  const { when } = rule;
  let files = touched.files;
  if (when.paths.length > 0) {
    // A rename is judged under both paths: moving a file out of a rule's paths must not escape the rule.
    files = filesInPaths();
    if (files.length === 0) return undefined;
  }
  // Membership the app cannot read is unknown, not "no": the rule applies (a
  // rule only ever adds sign-offs, so that is the stricter case) and the check says why.
  const unknown: string[] = [];
  const holds = (roles: RoleId[] | undefined, wanted: "member" | "not-member"): boolean => {
    if (!roles) return true;
    const { status, unreadTeams } = ctx.membership.membershipIn(ctx.author, roles);
    if (status === "unknown") unknown.push(...unreadTeams);
    return status === wanted || status === "unknown";
  };
  if (when.author) {
    const { memberOf, notMemberOf } = when.author;
    if (!holds(memberOf, "member") || !holds(notMemberOf, "not-member")) return undefined;
  }
  const evidence: string[] = [];
  if (when.kinds.length > 0 || when.labels.length > 0) {
    const kindFindings = touched.findings.filter((f) => when.kinds.includes(f.kind));
    const inFiles = kindFindings.length > 0 ? new Set(files) : undefined;
    const findings = kindFindings.filter((f) => inFiles!.has(f.path));
    const labels = ctx.labels.filter((l) =>
      when.labels.some((w) => w.toLowerCase() === l.toLowerCase()),
    );
    if (findings.length === 0 && labels.length === 0) return undefined;
    for (const l of labels) evidence.push(`label "${l}"`);
    for (const f of findings.slice(0, EVIDENCE_SHOWN))
      evidence.push(`${f.kind}: ${f.detail} (${f.path}${f.line ? `:${f.line}` : ""})`);
    if (findings.length > EVIDENCE_SHOWN)
      evidence.push(`and ${findings.length - EVIDENCE_SHOWN} more`);
  } else {
    evidence.push(`${files.length} file${files.length === 1 ? "" : "s"} changed in the area`);
  }
  if (unknown.length > 0) {
    const teams = [...new Set(unknown)].sort();
    for (const team of teams)
      ctx.unknownMembership.set(team, (ctx.unknownMembership.get(team) ?? new Set()).add(rule.id));
    evidence.push(
      `the author's membership of ${[...(when.author?.memberOf ?? []), ...(when.author?.notMemberOf ?? [])].join(", ")} is unknown (team ${teams.join(", ")} could not be read), so the rule applies`,
    );
  } else {
    if (when.author?.notMemberOf)
      evidence.push(`author is not a member of ${when.author.notMemberOf.join(", ")}`);
    if (when.author?.memberOf)
      evidence.push(`author is a member of ${when.author.memberOf.join(", ")}`);
  }
  return evidence.join("; ");
}

/**
 * Whether a rule's author condition can hold for `login`: true when it holds, and
 * when the membership it needs could not be read (it may; the stricter reading).
 */
export function authorConditionMayHold(
  condition: AuthorCondition | undefined,
  login: string,
  membership: Membership,
): boolean {
  if (!condition) return true;
  const may = (roles: RoleId[] | undefined, wanted: "member" | "not-member") =>
    !roles || [wanted, "unknown"].includes(membership.membershipIn(login, roles).status);
  return may(condition.memberOf, "member") && may(condition.notMemberOf, "not-member");
}

/**
 * The change kinds the pull request's labels declare, with the labels: a rule
 * that names a label beside kinds says that label means those kinds
 * (`breaking-change` is `api-breaking`). A label is about the whole pull request,
 * so files no area owns carry these kinds too.
 */
export function declaredKinds(
  policy: Policy,
  labels: readonly string[],
): Map<ChangeKind, string[]> {
  const declared = new Map<ChangeKind, string[]>();
  for (const rule of policy.rules) {
    const on = labels.filter((l) =>
      rule.when.labels.some((w) => w.toLowerCase() === l.toLowerCase()),
    );
    if (on.length === 0) continue;
    for (const kind of rule.when.kinds)
      declared.set(kind, [...new Set([...(declared.get(kind) ?? []), ...on])]);
  }
  return declared;
}

/**
 * What files no area owns (by path or by kind) need for the kinds they carry
 * that no rule holding for them covers: a kind the policy rates level 2 or more
 * (its highest rule) needs the fallback owners (`touched.accountables`) at that
 * level, so an unowned DROP COLUMN never passes unseen. The reason says how to
 * give the kind a real owner.
 */
export function unownedKindRequirements(
  policy: Policy,
  touched: TouchedArea,
  declared: ReadonlyMap<ChangeKind, string[]>,
  applied: readonly RequirementSpec[],
): RequirementSpec[] {
  const covered = new Set(
    applied.flatMap((s) => policy.rules.find((r) => r.id === s.rule)?.when.kinds ?? []),
  );
  const evidence = new Map<ChangeKind, string[]>();
  const add = (kind: ChangeKind, what: string) =>
    evidence.set(kind, [...(evidence.get(kind) ?? []), what]);
  for (const f of touched.findings)
    add(f.kind, `${f.detail} (${f.path}${f.line ? `:${f.line}` : ""})`);
  for (const [kind, labels] of declared) add(kind, labels.map((l) => `label "${l}"`).join(", "));
  const specs: RequirementSpec[] = [];
  for (const [kind, seen] of evidence) {
    if (covered.has(kind)) continue;
    const naming = policy.rules.filter((r) => r.when.kinds.includes(kind));
    const level = Math.max(1, ...naming.map((r) => r.level)) as Level;
    if (level < 2) continue;
    const shown = [
      ...seen.slice(0, EVIDENCE_SHOWN),
      ...(seen.length > EVIDENCE_SHOWN ? [`and ${seen.length - EVIDENCE_SHOWN} more`] : []),
    ];
    specs.push({
      id: `${touched.area.id}/fallback:${kind}`,
      area: touched.area.id,
      rule: `fallback:${kind}`,
      level,
      reason:
        `${kind} in files no area owns, and no area owns ${kind} (${naming.map((r) => `rule ${r.id}`).join(", ")}: level ${level}): ` +
        `the fallback owners sign until an area does (give it \`owns: [${kind}]\`) — ${shown.join("; ")}`,
      clauses: clausesOf({ all: [ACCOUNTABLE] }, touched.accountables ?? []),
      requireInputFrom: [],
    });
  }
  return specs;
}

/**
 * Approvers as clauses: each all-of role is a clause of one (a role named twice
 * is still one person: "security-lead + the area's accountable" in the secrets
 * area, whose accountable *is* security-lead, needs one security lead).
 * `$accountable` is any one of `accountables`; with none, it is a clause of no
 * roles, which nobody can fill, so the requirement fails (and says why) rather
 * than vanishing.
 */
export function clausesOf(approvers: Approvers, accountables: RoleId[]): Clause[] {
  const named = [...new Set(accountables.filter((r) => r !== ""))];
  const all = [...new Set(approvers.all)];
  const clauses: Clause[] = [];
  for (const role of all) {
    if (role !== ACCOUNTABLE) clauses.push({ roles: [role], count: 1 });
    else if (named.length === 1 && all.includes(named[0]!)) continue;
    else clauses.push({ roles: named, count: 1 });
  }
  if (approvers.any) {
    const roles = [
      ...new Set(approvers.any.roles.flatMap((r) => (r === ACCOUNTABLE ? named : [r]))),
    ];
    clauses.push({ roles, count: approvers.any.count });
  }
  return clauses;
}

/**
 * Drops a requirement another one of the same area already implies: if every
 * clause of A appears in B, B's level is at least A's and B needs at least A's
 * input, any sign-off set meeting B meets A. Keeps the summary about what matters
 * (a destructive migration's three sign-offs, not also the area's base one).
 */
export function withoutSubsumed(specs: RequirementSpec[]): RequirementSpec[] {
  const kept: RequirementSpec[] = [];
  specs.forEach((a, i) => {
    const subsumer = specs.find((b, j) => j !== i && subsumes(b, a) && (!subsumes(a, b) || j < i));
    if (subsumer) {
      subsumer.reason = subsumer.reason.includes(a.reason)
        ? subsumer.reason
        : `${subsumer.reason}; also covers ${a.reason}`;
    } else {
      kept.push(a);
    }
  });
  return kept;
}

function subsumes(b: RequirementSpec, a: RequirementSpec): boolean {
  if (b.level < a.level) return false;
  if (!a.requireInputFrom.every((r) => b.requireInputFrom.includes(r))) return false;
  const remaining = b.clauses.map((c) => ({ ...c }));
  for (const clause of a.clauses) {
    const same = remaining.find((c) => c.count >= clause.count && sameRoles(c.roles, clause.roles));
    if (!same) return false;
    same.count -= clause.count;
  }
  return true;
}

function sameRoles(x: RoleId[], y: RoleId[]): boolean {
  return x.length === y.length && x.every((r) => y.includes(r));
}
