import type { EmergencyScope, Policy, RoleId } from "../policy/model.js";
import { amendmentAreas, POLICY_AREA_ID } from "./governance.js";
import type { RequirementStatus } from "./decision.js";
import type { Membership } from "./membership.js";

/**
 * Who may bypass what with `/emergency` (seed 000): the roles of
 * `emergency.roles` anything, a scoped role only the requirements of its scope
 * (the DBA Lead a migration rollback, the Security Lead a patch for a CRITICAL
 * vulnerability), and the requirements the policy makes exclusive (security
 * policies, "no exceptions"; every amendment of the policy) only the exclusive
 * roles — whose override, like every other, opens the retrospective review on merge.
 */

/** Undefined when `login` may bypass `bypassed` on a pull request with `labels`; otherwise why not, fit for a reply. */
export function emergencyRefusal(
  policy: Policy,
  login: string,
  bypassed: readonly RequirementStatus[],
  labels: readonly string[],
  membership: Membership,
): string | undefined {
  const { roles, scoped = [], exclusive } = policy.emergency;
  const full = membership.isMemberOfAny(login, roles);
  const scopes = scoped.filter((s) => membership.isMember(login, s.role));
  if (!full && scopes.length === 0) {
    const named = [...roles, ...scoped.map((s) => `${s.role} (${scopeText(s)})`)];
    return `@${login} is not a member of a role allowed to declare an emergency (${named.join(", ")})`;
  }
  if (exclusive && !membership.isMemberOfAny(login, exclusive.roles)) {
    const locked = bypassed.filter((r) => isExclusive(policy, r));
    if (locked.length > 0) {
      return `${locked.map((r) => `\`${r.id}\``).join(", ")} can be bypassed only by ${exclusive.roles.join(", ")} (security policies allow no exceptions, and the policy's own amendments are never an emergency)`;
    }
  }
  if (full) return undefined;
  const reasons = scopes.map((s) => outsideScope(s, bypassed, labels));
  if (reasons.some((r) => r === undefined)) return undefined;
  return `@${login}'s emergency authority does not cover this change: ${reasons.join("; ")}`;
}

/** Why a scope does not cover the bypass, or undefined when it does. */
function outsideScope(
  scope: EmergencyScope,
  bypassed: readonly RequirementStatus[],
  labels: readonly string[],
): string | undefined {
  const what = `${scope.role} may bypass ${scopeText(scope)}`;
  if (
    scope.labels.length > 0 &&
    !labels.some((l) => scope.labels.some((w) => w.toLowerCase() === l.toLowerCase()))
  ) {
    return `${what}, on a pull request labelled ${scope.labels.map((l) => `"${l}"`).join(" or ")}`;
  }
  const outside = bypassed.filter(
    (r) =>
      (scope.areas.length > 0 && !scope.areas.includes(r.area)) ||
      (scope.rules.length > 0 && !scope.rules.includes(r.rule)),
  );
  if (outside.length > 0)
    return `${what}, and ${outside.map((r) => `\`${r.id}\``).join(", ")} ${outside.length === 1 ? "is" : "are"} outside it`;
  return undefined;
}

function scopeText(scope: EmergencyScope): string {
  const reach = [
    scope.areas.length > 0 ? `areas ${scope.areas.join(", ")}` : "",
    scope.rules.length > 0 ? `rules ${scope.rules.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return scope.description
    ? `${scope.description}: ${reach || "any requirement"}`
    : reach || "any requirement";
}

/** A requirement only the exclusive roles may bypass: of an exclusive rule or area, or an amendment of the policy. */
export function isExclusive(policy: Policy, requirement: RequirementStatus): boolean {
  const exclusive = policy.emergency.exclusive;
  if (!exclusive) return false;
  if (exclusive.rules.includes(requirement.rule) || exclusive.areas.includes(requirement.area))
    return true;
  return (
    requirement.area === POLICY_AREA_ID ||
    amendmentAreas(policy).some((a) => a.id === requirement.area)
  );
}

/** Every role that holds some emergency authority. */
export function emergencyRoles(policy: Policy): RoleId[] {
  return [
    ...new Set([...policy.emergency.roles, ...(policy.emergency.scoped ?? []).map((s) => s.role)]),
  ];
}
