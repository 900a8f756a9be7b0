import type { Approvers, Policy, RoleId } from "../policy/model.js";

/** "tech-architect + product-owner", "tech-architect + 2 of backend-lead/sre-lead". */
export function describeApprovers(
  approvers: Approvers,
  accountableName = "the area's accountable",
): string {
  const name = (r: RoleId) => (r === "$accountable" ? accountableName : r);
  const parts = approvers.all.map(name);
  if (approvers.any)
    parts.push(`${approvers.any.count} of ${approvers.any.roles.map(name).join("/")}`);
  return parts.join(" + ");
}

/** Who a role is bound to, for people reading an export. */
export function describeBinding(policy: Policy, role: RoleId): string {
  const r = policy.roles.get(role);
  if (!r) return "—";
  const who = [...r.users.map((u) => `@${u}`), ...r.teams.map((t) => `team ${t}`)];
  return who.length > 0 ? who.join(", ") : "(unbound)";
}
