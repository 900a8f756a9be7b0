import { CHANGE_KINDS, isChangeKind, type ChangeKind } from "../changes/types.js";
import { Minimatch } from "minimatch";
import { AreaIndex, globProblem } from "./match.js";
import {
  LEVEL_NAMES,
  type Approvers,
  type Area,
  type ConflictKind,
  type Level,
  type MediationPath,
  type Policy,
  type Role,
  type RoleId,
  type Rule,
} from "./model.js";
import { formatPath, type PolicyProblem, type YamlPath } from "./problems.js";
import { isBot } from "./logins.js";
import type { PolicyFile, RawApprovers } from "./schema.js";
import { Suggester } from "./suggest.js";
import { ticketPatternProblem } from "./ticket-pattern.js";

export type Blame = (path: YamlPath, message: string, severity?: PolicyProblem["severity"]) => void;

const ACCOUNTABLE = "$accountable";
const ALL_ACCOUNTABLES = "$accountables";

/**
 * Turns the merged file into the policy `evaluate` reads: defaults filled in,
 * `$accountable` expanded, every cross-reference checked. Each problem is
 * reported through `blame` with its YAML path; resolution carries on so that one
 * run reports everything.
 */
export function resolvePolicy(
  file: PolicyFile,
  sources: string[],
  blame: Blame,
  files: string[] = [],
  options: { suggestions?: boolean } = {},
): Policy {
  const roles = resolveRoles(file);
  // One budget for every "did you mean" of this policy: the policy may be a pull request's.
  // Without suggestions (a file of the chain is not shown), a near name it defines is never quoted.
  const suggester = new Suggester(options.suggestions === false ? 0 : undefined);
  const closest = (word: string, candidates: Iterable<string>) =>
    suggester.closest(word, candidates);
  const knownRole = (ref: string, path: YamlPath, allowAccountable: boolean): boolean => {
    if (ref === ACCOUNTABLE || ref === ALL_ACCOUNTABLES) {
      if (allowAccountable) return true;
      blame(path, `"${ref}" is only allowed in approvers`);
      return false;
    }
    if (roles.has(ref)) return true;
    blame(
      path,
      `role "${ref}" is not defined; declare it under roles:${closest(ref, [...roles.keys()])}`,
    );
    return false;
  };
  const checkRoles = (
    refs: readonly string[] | undefined,
    path: YamlPath,
    allowAccountable = false,
  ) => (refs ?? []).forEach((ref, i) => knownRole(ref, [...path, i], allowAccountable));
  /** The change kinds of a list as written; each unknown one is an error at its own position. */
  const knownKinds = (names: readonly string[] | undefined, path: YamlPath): ChangeKind[] => {
    const kinds: ChangeKind[] = [];
    (names ?? []).forEach((kind, i) => {
      if (isChangeKind(kind)) kinds.push(kind);
      else blame([...path, i], `unknown change kind "${kind}"${closest(kind, [...CHANGE_KINDS])}`);
    });
    return kinds;
  };

  const rawAreas = Object.entries(file.areas ?? {});
  if (rawAreas.length === 0)
    blame(["areas"], "the policy defines no areas: every file would be unowned");

  const accountables = [
    ...new Set(
      rawAreas.map(([, a]) => a.accountable).filter((r): r is string => !!r && roles.has(r)),
    ),
  ];

  const areas: Area[] = rawAreas.map(([id, raw]) => {
    const at = (...rest: (string | number)[]): YamlPath => ["areas", id, ...rest];
    // An area may be reached by what changes alone (`owns`), but by something.
    if (!raw.paths && !raw.owns?.length) blame(at(), `area "${id}" has no paths`);
    (raw.paths ?? []).forEach((glob, i) => {
      const problem = globProblem(glob);
      if (problem) blame(at("paths", i), `glob ${quoted(glob)} ${problem}`);
    });
    const owns = [...new Set(knownKinds(raw.owns, at("owns")))];
    if (!raw.accountable) blame(at(), `area "${id}" has no accountable role (its DRI)`);
    else knownRole(raw.accountable, at("accountable"), false);
    const accountable = raw.accountable ?? "";
    for (const field of ["responsible", "consulted", "informed", "escalation"] as const)
      checkRoles(raw[field], at(field));
    const escalation = raw.escalation ?? [accountable];
    const repeated = escalation.find((r, i) => escalation.indexOf(r) !== i);
    if (repeated)
      blame(
        at("escalation"),
        `escalation path visits "${repeated}" twice (a cycle); list each role once, lowest first`,
      );
    if (raw.ticket && !file.ticket?.pattern)
      blame(at("ticket"), `area "${id}" requires a ticket but the policy has no ticket.pattern`);
    const level = (raw.level ?? 1) as Level;
    let approvers: Approvers | undefined;
    if (raw.approvers)
      approvers = resolveApprovers(
        raw.approvers,
        at("approvers"),
        checkRoles,
        accountable,
        accountables,
        blame,
      );
    else if (level >= 2 && accountable) approvers = { all: [accountable] };
    return {
      id,
      name: raw.name ?? id,
      paths: raw.paths ?? [],
      owns,
      accountable,
      responsible: raw.responsible ?? [],
      consulted: raw.consulted ?? [],
      informed: raw.informed ?? [],
      level,
      approvers,
      escalation,
      ticket: raw.ticket ?? false,
      ...(raw.sla ? { sla: raw.sla } : {}),
    };
  });
  const areaIds = new Set(areas.map((a) => a.id));

  const rules: Rule[] = Object.entries(file.rules ?? {}).map(([id, raw]) => {
    const at = (...rest: (string | number)[]): YamlPath => ["rules", id, ...rest];
    (raw.areas ?? []).forEach((area, i) => {
      if (!areaIds.has(area))
        blame(at("areas", i), `area "${area}" is not defined${closest(area, [...areaIds])}`);
    });
    const kinds = knownKinds(raw.when?.kinds, at("when", "kinds"));
    (raw.when?.paths ?? []).forEach((glob, i) => {
      const problem = globProblem(glob);
      if (problem) blame(at("when", "paths", i), `glob ${quoted(glob)} ${problem}`);
    });
    checkRoles(raw.when?.author?.memberOf, at("when", "author", "memberOf"));
    checkRoles(raw.when?.author?.notMemberOf, at("when", "author", "notMemberOf"));
    checkRoles(raw.requireInputFrom, at("requireInputFrom"));
    const approvers = raw.approvers
      ? resolveApprovers(raw.approvers, at("approvers"), checkRoles, undefined, accountables, blame)
      : { all: [ACCOUNTABLE] };
    return {
      id,
      description: raw.description,
      areas: raw.areas,
      when: {
        kinds,
        labels: raw.when?.labels ?? [],
        paths: raw.when?.paths ?? [],
        pathMatchers: (raw.when?.paths ?? [])
          .filter((g) => !globProblem(g))
          .map((g) => new Minimatch(g, { dot: true })),
        author: raw.when?.author,
      },
      level: raw.level as Level,
      approvers,
      requireInputFrom: raw.requireInputFrom ?? [],
    };
  });

  checkRoles(file.unowned?.reviewers, ["unowned", "reviewers"]);
  checkRoles(file.emergency?.roles, ["emergency", "roles"]);
  const ruleIds = new Set(rules.map((r) => r.id));
  const emergencyReach = (
    refs: { areas?: string[]; rules?: string[] } | undefined,
    at: YamlPath,
  ) => {
    (refs?.areas ?? []).forEach(
      (area, i) =>
        areaIds.has(area) ||
        blame([...at, "areas", i], `area "${area}" is not defined${closest(area, [...areaIds])}`),
    );
    (refs?.rules ?? []).forEach(
      (rule, i) =>
        ruleIds.has(rule) ||
        blame([...at, "rules", i], `rule "${rule}" is not defined${closest(rule, [...ruleIds])}`),
    );
  };
  for (const [role, scope] of Object.entries(file.emergency?.scoped ?? {})) {
    knownRole(role, ["emergency", "scoped", role], false);
    emergencyReach(scope, ["emergency", "scoped", role]);
  }
  checkRoles(file.emergency?.exclusive?.roles, ["emergency", "exclusive", "roles"]);
  emergencyReach(file.emergency?.exclusive, ["emergency", "exclusive"]);
  checkRoles(file.matrixReview?.owners, ["matrixReview", "owners"]);
  const mediation = resolveMediation(
    file,
    (ref, path) => knownRole(ref, path, false),
    checkRoles,
    blame,
  );

  if (file.ticket && !file.ticket.pattern)
    blame(["ticket"], 'ticket needs a pattern (for example "[A-Z][A-Z0-9]+-\\\\d+")');
  if (file.ticket?.pattern) {
    const problem = ticketPatternProblem(file.ticket.pattern);
    if (problem) blame(["ticket", "pattern"], problem);
  }
  const everyChange = resolveEveryChange(file.ticket, blame);
  const sla = resolveSla(file, blame);
  warnIdleOwnership(file, areas, rules, blame);
  warnUnusedRoles(file, roles, areas, rules, blame, closest);
  rejectBotSigners(file, areas, rules, blame);

  return {
    sources,
    files,
    roles,
    areas,
    rules,
    levels: {
      1: levelSettings(file, 1),
      2: levelSettings(file, 2),
      3: levelSettings(file, 3),
      4: levelSettings(file, 4),
    },
    signoff: {
      invalidateOnPush: file.signoff?.invalidateOnPush ?? true,
      contributorsCanSign: file.signoff?.contributorsCanSign ?? false,
    },
    unowned: { action: file.unowned?.action ?? "warn", reviewers: file.unowned?.reviewers ?? [] },
    emergency: {
      roles: file.emergency?.roles ?? [],
      reviewWithinHours: file.emergency?.reviewWithinHours ?? 24,
      allowAuthor: file.emergency?.allowAuthor ?? false,
      ...(file.emergency?.scoped
        ? {
            scoped: Object.entries(file.emergency.scoped).map(([role, scope]) => ({
              role,
              description: scope.description,
              areas: scope.areas ?? [],
              rules: scope.rules ?? [],
              labels: scope.labels ?? [],
            })),
          }
        : {}),
      ...(file.emergency?.exclusive
        ? {
            exclusive: {
              roles: file.emergency.exclusive.roles,
              rules: file.emergency.exclusive.rules ?? [],
              areas: file.emergency.exclusive.areas ?? [],
            },
          }
        : {}),
    },
    ...(file.matrixReview
      ? {
          matrixReview: {
            document: file.matrixReview.document,
            next: file.matrixReview.next,
            owners: file.matrixReview.owners ?? [],
          },
        }
      : {}),
    mediation,
    sla,
    ticket: file.ticket?.pattern
      ? {
          pattern: file.ticket.pattern,
          projects: file.ticket.projects,
          ...(everyChange ? { everyChange } : {}),
        }
      : undefined,
    detectors: {
      cost: {
        cpuMonth: file.cost?.cpuMonth ?? 25,
        memoryGiBMonth: file.cost?.memoryGiBMonth ?? 3.5,
        threshold: file.cost?.threshold ?? 500,
        currency: file.cost?.currency ?? "USD",
        prices: file.cost?.prices ?? {},
      },
    },
    index: new AreaIndex(
      areas.map((a) => ({ id: a.id, paths: a.paths.filter((g) => !globProblem(g)) })),
    ),
  };
}

function resolveRoles(file: PolicyFile): Map<RoleId, Role> {
  const roles = new Map<RoleId, Role>();
  for (const [id, raw] of Object.entries(file.roles ?? {})) {
    roles.set(id, {
      id,
      description: raw?.description,
      users: [...new Set((raw?.users ?? []).map((u) => u.toLowerCase()))],
      teams: [...new Set(raw?.teams ?? [])],
    });
  }
  return roles;
}

function resolveApprovers(
  raw: RawApprovers,
  path: YamlPath,
  checkRoles: (
    refs: readonly string[] | undefined,
    path: YamlPath,
    allowAccountable?: boolean,
  ) => void,
  areaAccountable: RoleId | undefined,
  accountables: RoleId[],
  blame: Blame,
): Approvers {
  const all = Array.isArray(raw) ? raw : (raw.all ?? []);
  checkRoles(all, Array.isArray(raw) ? path : [...path, "all"], true);
  if (all.includes(ALL_ACCOUNTABLES))
    blame(
      path,
      `"${ALL_ACCOUNTABLES}" belongs in \`any\` with a count ("any 2 DRIs"), not in a list of roles that must all sign`,
    );
  const expandOne = (r: string) => (r === ACCOUNTABLE && areaAccountable ? areaAccountable : r);
  const resolvedAll = all.map(expandOne);
  if (Array.isArray(raw) || !raw.any) return { all: resolvedAll };
  checkRoles(raw.any, [...path, "any"], true);
  // `$accountables` is "any DRI of the policy other than those already required",
  // which is how seed 000 words the amendment rule ("Tech Architect + 2 DRIs").
  const any = raw.any.flatMap((r) =>
    r === ALL_ACCOUNTABLES ? accountables.filter((a) => !resolvedAll.includes(a)) : [expandOne(r)],
  );
  return { all: resolvedAll, any: { roles: [...new Set(any)], count: raw.count ?? 1 } };
}

/** Most specific first: an incident's mediator decides during one, peers' manager among peers, else across functions. */
const CONFLICT_ORDER: ConflictKind[] = ["incident", "peer", "cross-functional"];

function resolveMediation(
  file: PolicyFile,
  knownRole: (ref: string, path: YamlPath) => boolean,
  checkRoles: (refs: readonly string[] | undefined, path: YamlPath) => void,
  blame: Blame,
): MediationPath[] {
  const paths: MediationPath[] = [];
  for (const kind of CONFLICT_ORDER) {
    const raw = file.mediation?.[kind];
    if (!raw) continue;
    const at = (...rest: string[]): YamlPath => ["mediation", kind, ...rest];
    knownRole(raw.mediator, at("mediator"));
    checkRoles(raw.roles, at("roles"));
    // Without the peers named, "peer-level" would mean anyone: a mediator could overrule any two approvers.
    if (kind === "peer" && !raw.roles)
      blame(
        at(),
        "a peer mediation path names the roles that are peers: roles: [backend-lead, sre-lead]",
      );
    if (kind !== "peer" && raw.roles)
      blame(at("roles"), `only the peer path names roles (a ${kind} disagreement is any other)`);
    if (kind !== "incident" && raw.labels)
      blame(at("labels"), "only the incident path reads labels");
    paths.push({
      kind,
      description: raw.description,
      mediator: raw.mediator,
      after: raw.after ?? {},
      within: raw.within,
      roles: raw.roles ?? [],
      labels: raw.labels ?? (kind === "incident" ? ["incident"] : []),
    });
  }
  return paths;
}

function levelSettings(file: PolicyFile, level: Level) {
  const raw = file.levels?.[level];
  return { name: raw?.name ?? LEVEL_NAMES[level], commandOnly: raw?.commandOnly ?? false };
}

/** Files of the three kinds seed 002 asks tickets for (features and fixes, CI/CD, deployment): an exemption matching them all exempts everything. */
const TICKETED_PROBES = ["src/index.ts", ".github/workflows/ci.yml", "Dockerfile"];

/**
 * `ticket.everyChange` with its exempt globs compiled, or undefined when only
 * areas ask for tickets. Exemptions that do not apply, or that would let every
 * change through, are reported: the policy's author meant something else.
 */
function resolveEveryChange(
  ticket: PolicyFile["ticket"],
  blame: Blame,
): NonNullable<Policy["ticket"]>["everyChange"] {
  const exemptPaths = ticket?.exemptPaths ?? [];
  exemptPaths.forEach((glob, i) => {
    const problem = globProblem(glob);
    if (problem) blame(["ticket", "exemptPaths", i], `glob ${quoted(glob)} ${problem}`);
  });
  if (!ticket?.everyChange) {
    // Said only when everyChange is not written at all: `everyChange: false` below a
    // preset's exemptions turns the rule off on purpose.
    if (ticket?.exemptPaths && ticket.everyChange === undefined)
      blame(
        ["ticket", "exemptPaths"],
        "ticket.exemptPaths has no effect without ticket.everyChange: true (an area's `ticket: true` applies to every file it owns)",
        "warning",
      );
    return undefined;
  }
  const valid = exemptPaths.filter((glob) => !globProblem(glob));
  if (valid.length > 0 && valid.every((glob) => glob.startsWith("!")))
    blame(
      ["ticket", "exemptPaths"],
      'ticket.exemptPaths only excludes ("!glob"), so it exempts nothing; list what needs no ticket, e.g. "docs/**"',
    );
  const index = new AreaIndex([{ id: "exempt", paths: valid }]);
  if (TICKETED_PROBES.every((path) => index.match(path).length > 0))
    blame(
      ["ticket", "exemptPaths"],
      `ticket.exemptPaths exempts application code, pipelines and deployment files alike (${TICKETED_PROBES.join(", ")}), so no pull request would need a ticket; list only what needs none, e.g. "docs/**", "**/*.md"`,
    );
  return { exemptPaths, index };
}

function resolveSla(file: PolicyFile, blame: Blame): Policy["sla"] {
  const raw = file.sla ?? {};
  const timezone = raw.timezone ?? "UTC";
  // UTC is always known, and checking it would initialise ICU's time zones (about 40 ms of a CLI start).
  if (timezone !== "UTC")
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      blame(
        ["sla", "timezone"],
        `unknown time zone "${timezone}" (use an IANA name such as Europe/Berlin)`,
      );
    }
  const hours = raw.hours ?? { start: "09:00", end: "17:00" };
  if (hours.start >= hours.end)
    blame(
      ["sla", "hours"],
      `working hours must end after they start (${hours.start}–${hours.end})`,
    );
  (raw.holidays ?? []).forEach((day, i) => {
    if (Number.isNaN(Date.parse(`${day}T00:00:00Z`)))
      blame(["sla", "holidays", i], `"${day}" is not a calendar date`);
  });
  return {
    timezone,
    workingDays: raw.workingDays ?? ["mon", "tue", "wed", "thu", "fri"],
    hours,
    holidays: raw.holidays ?? [],
    review: raw.review ?? { businessDays: 2 },
    expedited: raw.expedited ?? { businessHours: 4 },
  };
}

/**
 * An area that owns a kind but would ask nothing for it (level 1, no base
 * approvers, no rule for the kind in the area) takes the files carrying it away
 * from the fallback owners and requires no sign-off: a routing that looks like
 * governance and is none. Said where the kind is listed.
 */
function warnIdleOwnership(file: PolicyFile, areas: Area[], rules: Rule[], blame: Blame): void {
  for (const area of areas) {
    if (area.approvers) continue;
    const ruled = new Set(
      rules.filter((r) => !r.areas || r.areas.includes(area.id)).flatMap((r) => r.when.kinds),
    );
    const written = file.areas?.[area.id]?.owns ?? [];
    for (const kind of area.owns ?? []) {
      if (ruled.has(kind)) continue;
      blame(
        ["areas", area.id, "owns", written.indexOf(kind)],
        `area "${area.id}" owns "${kind}" but asks nothing for it (level ${area.level}, and no rule for ${kind} applies in it): a file it receives for that kind needs no sign-off; add a rule for ${kind} in this area, or let an area that governs it own it`,
        "warning",
      );
    }
  }
}

/** A bound role nothing refers to is usually a typo for one that is referred to. */
function warnUnusedRoles(
  file: PolicyFile,
  roles: Map<RoleId, Role>,
  areas: Area[],
  rules: Rule[],
  blame: Blame,
  closest: (word: string, candidates: Iterable<string>) => string,
): void {
  const used = new Set<string>();
  for (const a of areas) {
    [
      a.accountable,
      ...a.responsible,
      ...a.consulted,
      ...a.informed,
      ...a.escalation,
      ...(a.approvers?.all ?? []),
      ...(a.approvers?.any?.roles ?? []),
    ].forEach((r) => used.add(r));
  }
  for (const r of rules) {
    [
      ...r.approvers.all,
      ...(r.approvers.any?.roles ?? []),
      ...r.requireInputFrom,
      ...(r.when.author?.memberOf ?? []),
      ...(r.when.author?.notMemberOf ?? []),
    ].forEach((x) => used.add(x));
  }
  [
    ...(file.unowned?.reviewers ?? []),
    ...(file.emergency?.roles ?? []),
    ...Object.keys(file.emergency?.scoped ?? {}),
    ...(file.emergency?.exclusive?.roles ?? []),
    ...(file.matrixReview?.owners ?? []),
    ...mediationRoles(file),
  ].forEach((r) => used.add(r));
  for (const role of roles.values()) {
    const bound = role.users.length + role.teams.length > 0;
    if (bound && !used.has(role.id)) {
      blame(
        ["roles", role.id],
        `role "${role.id}" is bound to people but no area or rule uses it${closest(
          role.id,
          [...used].filter((u) => !u.startsWith("$")),
        )}`,
        "warning",
      );
    }
  }
}

/**
 * A bot can neither sign off nor give input (sign-offs ignore bots) nor be asked
 * to review, so a bot bound to a role that does any of these would hold a place
 * in it that can never be filled: the policy would promise a check it cannot
 * keep. A bot may stay in a role used only to match authors (`when.author`) or
 * to be informed.
 */
function rejectBotSigners(file: PolicyFile, areas: Area[], rules: Rule[], blame: Blame): void {
  const firstUse = new Map<RoleId, YamlPath>();
  const use = (roles: readonly string[], path: YamlPath) =>
    roles.forEach((r) => firstUse.has(r) || firstUse.set(r, path));
  for (const a of areas) {
    const at = (field: string): YamlPath => ["areas", a.id, field];
    use([a.accountable], at("accountable"));
    use(a.responsible, at("responsible"));
    use(a.consulted, at("consulted"));
    use(a.escalation, at("escalation"));
    use([...(a.approvers?.all ?? []), ...(a.approvers?.any?.roles ?? [])], at("approvers"));
  }
  for (const r of rules) {
    use([...r.approvers.all, ...(r.approvers.any?.roles ?? [])], ["rules", r.id, "approvers"]);
    use(r.requireInputFrom, ["rules", r.id, "requireInputFrom"]);
  }
  use(file.unowned?.reviewers ?? [], ["unowned", "reviewers"]);
  use(file.emergency?.roles ?? [], ["emergency", "roles"]);
  for (const [kind, path] of Object.entries(file.mediation ?? {}))
    if (path) use([path.mediator], ["mediation", kind, "mediator"]);
  for (const [id, raw] of Object.entries(file.roles ?? {})) {
    const usedAt = firstUse.get(id);
    if (!usedAt) continue;
    (raw?.users ?? []).forEach((user, i) => {
      if (!isBot(user)) return;
      blame(
        ["roles", id, "users", i],
        `bots cannot sign off: remove ${user} from role "${id}", which signs, gives input or reviews (${formatPath(usedAt)}); a bot may be in a role used only by when.author or informed`,
      );
    });
  }
}

/** Roles a mediation path names: mediators and peers. */
function mediationRoles(file: PolicyFile): string[] {
  return Object.values(file.mediation ?? {}).flatMap((p) =>
    p ? [p.mediator, ...(p.roles ?? [])] : [],
  );
}

/** A glob as problems quote it: a long one (the bound is on the policy, not the glob) is cut. */
function quoted(glob: string): string {
  return glob.length <= 120 ? `"${glob}"` : `"${glob.slice(0, 100)}…" (${glob.length} characters)`;
}
