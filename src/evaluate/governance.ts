import { POLICY_FILE, type Area, type Level, type Policy, type RoleId } from "../policy/model.js";

/**
 * The rules about the rules. The files a policy is built from (the policy file
 * and every file of the repository it extends) decide what every other pull
 * request needs, so changing one is governance whatever the policy's areas say:
 * such a file is judged as the policy file itself, and where the policy asks less
 * than joint approval for that, a built-in amendment requirement asks it.
 */

/** No policy amendment passes below this level (3, joint approval). */
export const AMENDMENT_FLOOR: Level = 3;

export const POLICY_AREA_ID = "policy-files";

/** Repository paths whose change amends the policy: the policy file always, and the files it was built from. */
export function policyFiles(policy: Policy): Set<string> {
  return new Set([POLICY_FILE, ...policy.files]);
}

/** The policy's areas owning its policy file: who the policy itself says governs amendments. */
export function amendmentAreas(policy: Policy): Area[] {
  return policy.index.match(POLICY_FILE).map((i) => policy.areas[i]!);
}

/**
 * Who is accountable for the policy: the accountable roles of the areas owning
 * the policy file, else those of the policy's highest-level areas.
 */
export function governanceOwners(policy: Policy): RoleId[] {
  const own = unique(amendmentAreas(policy).map((a) => a.accountable));
  return own.length > 0 ? own : unique(highestAreas(policy).map((a) => a.accountable));
}

/**
 * Who stands in for the accountable role of files no area owns: the policy's
 * `unowned.reviewers`, else its governance owners. Never nobody while the policy
 * has an area (loading refuses a policy without one).
 */
export function fallbackOwners(policy: Policy): RoleId[] {
  return policy.unowned.reviewers.length > 0
    ? [...policy.unowned.reviewers]
    : governanceOwners(policy);
}

/**
 * The built-in amendment requirement, for a policy that asks less than
 * {@link AMENDMENT_FLOOR} for its own files: joint approval (or the policy's
 * highest level, if higher) by the accountable roles of its highest-level areas,
 * each a distinct person, escalating along those areas' paths.
 */
export function builtInAmendmentArea(policy: Policy): Area {
  const highest = highestAreas(policy);
  const owners = unique(highest.map((a) => a.accountable));
  const level = Math.max(AMENDMENT_FLOOR, ...highest.map((a) => a.level)) as Level;
  return {
    id: POLICY_AREA_ID,
    name: "Governance policy files (built-in amendment rule)",
    paths: [...policyFiles(policy)],
    accountable: owners[0] ?? "",
    responsible: [],
    consulted: [],
    informed: [],
    level,
    approvers: { all: owners },
    escalation: unique(highest.flatMap((a) => a.escalation)),
    ticket: false,
  };
}

function highestAreas(policy: Policy): Area[] {
  const top = Math.max(...policy.areas.map((a) => a.level));
  return policy.areas.filter((a) => a.level === top && a.accountable !== "");
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
